#!/bin/sh
# Draws docs/figure3.png (the paper's Figure 3 in oxen: each workload's speed native (L), as a PV
# domain (X) and as an HVM domain (V), relative to native) from docs/figures/figure3.dat, whose
# rows are copied from docs/PERFORMANCE.md's L/X/V table. Needs gnuplot (apt-get install gnuplot-nox).
set -e
here="$(cd "$(dirname "$0")" && pwd)"
command -v gnuplot >/dev/null || { echo "docs/figures/figure3.sh: gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
gnuplot <<GP
set terminal png size 640,400 font ",10"
set output "$here/../figure3.png"
set title "oxen Figure 3: speed relative to native (L = 1; best of rounds, bars: median)"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set yrange [0:1.3]
set ylabel "relative speed (higher is better)"
set key top right
set grid ytics
plot "$here/figure3.dat" using 2:2:2:xtic(1) title "L: native, bare CPU" lc rgb "#4477aa", \
     "" using 3:4:3 title "X: PV domain" lc rgb "#ee6677", \
     "" using 5:6:5 title "V: HVM domain" lc rgb "#228833"
GP
echo "wrote $here/../figure3.png"
