/* conn_close: how a connection ends (see conn.h).  The client is told why,
 * the session ends at once (input dropped, the owner told), and the pcb
 * lingers in CONN_CLOSING: once the client acknowledged everything the FIN
 * follows; once the client closed too, or acknowledged the FIN, the pcb is
 * let go; a client that does neither within cfg->close_ms is aborted. */
#include "conn.h"

#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

void
conn_release(struct conn *c, int aborted)
{
  if (c->pcb != NULL) {
    tcp_arg(c->pcb, NULL);
    tcp_recv(c->pcb, NULL);
    tcp_sent(c->pcb, NULL);
    tcp_err(c->pcb, NULL);
    tcp_poll(c->pcb, NULL, 0);
    c->pcb = NULL;
  }
  c->phase = CONN_FREE;
  c->owner->released(c->owner->ctx, c, aborted);
}

void
conn_end_session(struct conn *c)
{
  if (c->rx != NULL) {
    pbuf_free(c->rx);
    c->rx = NULL;
  }
  if (c->wake_armed) {
    sys_untimeout(conn_login_wake, c);
    c->wake_armed = 0;
  }
  webrepl_close(&c->wr);
  c->owner->ended(c->owner->ctx, c);
}

err_t
conn_finish(struct conn *c)
{
  struct tcp_pcb *pcb = c->pcb;

  conn_release(c, 0);
  if (tcp_close(pcb) != ERR_OK) {
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  return ERR_OK;
}

err_t
conn_linger(struct conn *c)
{
  struct tcp_pcb *pcb = c->pcb;

  if (!c->fin_sent && pcb->unsent == NULL && pcb->unacked == NULL) {
    if (c->peer_closed) {
      return conn_finish(c);  /* our FIN is the last thing it waits for */
    }
    if (tcp_shutdown(pcb, 0, 1) == ERR_OK) {
      c->fin_sent = 1;
    }
  }
  if (c->fin_sent && pcb->state != FIN_WAIT_1) {
    return conn_finish(c);    /* the FIN was acknowledged */
  }
  if ((uint32_t)(sys_now() - c->t_close) > c->cfg->close_ms) {
    /* the client vanished: do not let lwIP retransmit for minutes */
    conn_release(c, 1);
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  return ERR_OK;
}

err_t
conn_close(struct conn *c, enum conn_bye why)
{
  if (c->phase == CONN_FREE || c->phase == CONN_CLOSING) {
    return ERR_OK;
  }
  c->close_req = 0;
  if (c->pcb == NULL) {
    conn_end_session(c);
    conn_release(c, 0);
    return ERR_OK;
  }
  conn_send_bye(c, why);
  conn_end_session(c);
  c->phase = CONN_CLOSING;
  c->t_close = sys_now();
  /* open the window fully: held input, terminal input the pty did not
     take, and a FIN that came with the data being processed (lwIP counts
     it back into rcv_wnd only after this callback returns) are dropped, and
     what comes later is taken and dropped */
  conn_recved(c, TCP_WND_MAX(c->pcb) - c->pcb->rcv_wnd);
  c->term_unacked = 0;
  tcp_output(c->pcb);
  return conn_linger(c);
}
