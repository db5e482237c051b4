# tests/bench/cdf.gp - CDF of t_prompt per variant, log time axis, one panel
# per scenario.  Called by tests/bench/report:
#   gnuplot -e "dir='OUT'; fmt='svg|png'; outfile='FILE'; single='V...'; burst='V...';
#               stitles='\"T\" ...'; btitles='\"T\" ...'; burstn='50'" cdf.gp
# single/burst: the variants to plot; stitles/btitles: their legend titles
# (quoted words, "variant (ok/n)").  Data: DIR/cdf-SCENARIO-VARIANT.dat,
# columns t_prompt_ms and the fraction of all connections of that variant
# (connections the server refused never reach the prompt).
if (fmt eq 'svg') {
  set terminal svg size 1200,600 dynamic font 'sans,12' background rgb 'white'
} else {
  set terminal pngcairo size 1200,600 font 'sans,10' background rgb 'white'
}
set output outfile
set logscale x 10
set xrange [0.01:5000]
set yrange [0:1.02]
set format x '%g'
set xlabel 't\_prompt: connect() return → "Password: " frame (ms, log scale)'
set ylabel 'fraction of all connections'
set grid xtics ytics mxtics
set key below horizontal maxcols 3 noenhanced
set style line 1 lc rgb '#d62728' lw 2
set style line 2 lc rgb '#1f77b4' lw 2
set style line 3 lc rgb '#2ca02c' lw 2
set style line 4 lc rgb '#ff7f0e' lw 2
set style line 5 lc rgb '#7f7f7f' lw 2 dt 2
colour(v) = (v eq 'stock') ? 1 : (v eq 'patched') ? 2 : (v eq 'inline') ? 3 : (v eq 'timeout0') ? 4 : 5
set multiplot layout 1,2 title 'Accept latency of the WebREPL server: stock vs patched lwIP'
set title 'single connection'
if (strlen(single) > 0) {
  plot for [i = 1:words(single)] sprintf('%s/cdf-single-%s.dat', dir, word(single, i)) \
    using 1:2 with steps ls colour(word(single, i)) title word(stitles, i)
}
set title sprintf('burst of %s connections', burstn)
if (strlen(burst) > 0) {
  plot for [i = 1:words(burst)] sprintf('%s/cdf-burst-%s.dat', dir, word(burst, i)) \
    using 1:2 with steps ls colour(word(burst, i)) title word(btitles, i)
}
unset multiplot
