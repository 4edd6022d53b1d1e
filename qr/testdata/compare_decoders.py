#!/usr/bin/python3
"""Reads a corpus written by TestCorpus (QR_CORPUS_DIR) with zbarimg and
ZXing-C++ (Debian: zbar-tools, python3-zxing-cpp) and prints the success per
degradation. Not used by the tests; see BENCHMARKS.md.

    /usr/bin/python3 qr/testdata/compare_decoders.py DIR
"""
import collections
import glob
import os
import subprocess
import sys

import numpy
import zxingcpp


def read_pgm(path):
    with open(path, "rb") as f:
        data = f.read()
    parts = data.split(b"\n", 3)
    w, h = map(int, parts[1].split())
    return numpy.frombuffer(parts[3], dtype=numpy.uint8).reshape(h, w)


def zbar(path):
    r = subprocess.run(["zbarimg", "--raw", "-q", path], capture_output=True, text=True)
    return set(r.stdout.splitlines())


def zxing(img, harder):
    res = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode, try_rotate=harder)
    return {r.text for r in res if r.valid}


def main(d):
    ok = collections.defaultdict(lambda: [0, 0, 0, 0])
    for txt in sorted(glob.glob(os.path.join(d, "*.txt"))):
        base = txt[:-4]
        name = os.path.basename(base).rsplit("-", 1)[0]
        want = set(open(txt).read().split("\n")) - {""}
        img = read_pgm(base + ".pgm")
        row = ok[name]
        row[0] += 1
        row[1] += zbar(base + ".png") == want
        row[2] += zxing(img, False) == want
        # "Retries": also an inverted copy, as a caller would do.
        row[3] += (zxing(img, True) | zxing(255 - img, True)) == want
    tot = [0, 0, 0, 0]
    print("%-14s %6s %8s %8s %14s" % ("degradation", "frames", "zbar", "zxingcpp", "zxingcpp+inv"))
    for name, row in ok.items():
        print("%-14s %6d %8d %8d %14d" % (name, *row))
        tot = [a + b for a, b in zip(tot, row)]
    n = tot[0]
    print("%-14s %6d %7.1f%% %7.1f%% %13.1f%%" % ("overall", n, 100 * tot[1] / n, 100 * tot[2] / n, 100 * tot[3] / n))


if __name__ == "__main__":
    main(sys.argv[1])
