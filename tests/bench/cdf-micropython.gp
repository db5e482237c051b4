# tests/bench/cdf-micropython.gp - CDF of t_prompt per variant of
# tests/bench/micropython, log time axis, one panel per protocol and
# scenario.  Called by tests/bench/report-micropython:
#   gnuplot -e "dir='OUT'; fmt='svg|png'; outfile='FILE'; burstn='50';
#               v_webrepl_single='V...'; t_webrepl_single='\"T\" ...'; ..." cdf-micropython.gp
# v_PROTO_SCEN: the variants to plot; t_PROTO_SCEN: their legend titles
# (quoted words, "variant (ok/n)").  Data: DIR/micropython-cdf-PROTO-SCEN-VARIANT.dat,
# columns t_prompt_ms and the fraction of the connections that got their
# response (a WebREPL burst prompts only the connections that found no
# session open).
if (fmt eq 'svg') {
  set terminal svg size 1200,900 dynamic font 'sans,12' background rgb 'white'
} else {
  set terminal pngcairo size 1200,900 font 'sans,10' background rgb 'white'
}
set output outfile
set logscale x 10
set xrange [0.01:5000]
set yrange [0:1.02]
set format x '%g'
set ylabel 'fraction of the answered connections'
set grid xtics ytics mxtics
set key below horizontal maxcols 3 noenhanced
set style line 1 lc rgb '#d62728' lw 2
set style line 2 lc rgb '#ff7f0e' lw 2
set style line 3 lc rgb '#1f77b4' lw 2
set style line 4 lc rgb '#2ca02c' lw 2 dt 3
set style line 5 lc rgb '#7f7f7f' lw 2 dt 2
colour(v) = (v eq 'mp-stock') ? 1 : (v eq 'mp-patched-lwip') ? 2 : (v eq 'mp-patched') ? 3 : (v eq 'c-patched') ? 4 : 5
set multiplot layout 2,2 title 'MicroPython on lwIP: connect() → first byte of the response'
do for [proto in 'webrepl http'] {
  do for [scen in 'single burst'] {
    vs = value(sprintf('v_%s_%s', proto, scen))
    ts = value(sprintf('t_%s_%s', proto, scen))
    set title sprintf('%s, %s', proto eq 'webrepl' ? 'WebREPL prompt' : 'HTTP response', \
      scen eq 'single' ? 'single connection' : sprintf('burst of %s', burstn))
    set xlabel 'ms, log scale'
    if (strlen(vs) > 0) {
      plot for [i = 1:words(vs)] sprintf('%s/micropython-cdf-%s-%s-%s.dat', dir, proto, scen, word(vs, i)) \
        using 1:2 with steps ls colour(word(vs, i)) title word(ts, i)
    }
  }
}
unset multiplot
