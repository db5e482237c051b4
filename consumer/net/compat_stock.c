/* compat_stock: the stock-lwIP fallback for tcp_recv_keep(), linked only
 * into the build against the unpatched tree.
 *
 * Stock lwIP can keep data the same way: a recv callback that refuses it
 * leaves it in pcb->refused_data.  What stock lwIP cannot do:
 * - re-offer it right after the deferred set-up: it waits for the next fast
 *   timer tick (up to TCP_TMR_INTERVAL) or the client's next segment;
 * - keep a bare FIN that arrives before set-up: lwIP ignores the refusal and
 *   the close is lost (the session then ends by its timeouts).
 */
#include "compat.h"

err_t
tcp_recv_keep(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)pcb;
  (void)p;
  (void)err;
  return ERR_INPROGRESS;
}
