#!/usr/bin/env python3
"""Write an items CSV for the UCI Online Retail file, for `tailor import --items`.

The Online Retail file (online_retail.csv.gz, given with --input) has no product
table, only a Description and a UnitPrice on every transaction line. This script derives one row
per StockCode from those lines:

  StockCode  the stock code exactly as written in the transactions (so it matches their ids).
  name       the most frequent non-empty Description of the code (ties: the one seen first),
             with surrounding spaces removed.
  category   a coarse product type: the last word of the name that holds at least two letters,
             upper case, with leading and trailing punctuation removed, skipping colour, size and
             pattern words (NOT_TYPES below: "JUMBO BAG RED RETROSPOT" -> BAG), and a plural
             folded into its singular when the singular is also such a word (CANDLES -> CANDLE,
             BOXES -> BOX). Examples: "WHITE HANGING HEART T-LIGHT HOLDER" -> HOLDER,
             "PACK OF 72 RETROSPOT CAKE CASES" -> CASE. A word that is the type of fewer than
             --min-items codes (default 20) becomes OTHER; a code without any name gets an empty
             category (no category).
  price      the median UnitPrice over the code's lines with Quantity > 0 and UnitPrice >= 0
             (cancellations, returns and the negative "Adjust bad debt" lines are left out);
             empty when the code has no such line (unknown price).

Rows come in order of first appearance of the stock code. Python 3 standard library only.

  python3 scripts/online_retail_items.py out/online_retail_items.csv --input online_retail.csv.gz
  tailor import online_retail.csv.gz out/retail.h5 \\
    --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity \\
    --price UnitPrice --cancel-column InvoiceNo \\
    --items out/online_retail_items.csv --items-id StockCode --items-name name \\
    --items-category category --items-price price
"""

import argparse
import collections
import csv
import gzip
import statistics
import sys


# Words that end many names but say nothing about the kind of product.
NOT_TYPES = {
    "RED", "PINK", "BLUE", "GREEN", "WHITE", "BLACK", "IVORY", "CREAM", "GOLD", "SILVER",
    "PURPLE", "ORANGE", "YELLOW", "BROWN", "GREY", "CLEAR", "PASTEL", "COLOUR", "COLOURS",
    "LARGE", "SMALL", "MEDIUM", "MINI", "JUMBO", "BIG", "TALL", "ASSORTED", "ASST", "DESIGN",
    "DESIGNS", "RETROSPOT", "VINTAGE", "SPOT", "SPOTS", "POLKADOT", "PAISLEY", "FLORAL",
    "STRIPE", "STRIPES", "SET", "SETS", "OF", "AND", "WITH", "THE",
}


def product_word(name):
    """The last word of name with at least two letters that is not in NOT_TYPES, upper case,
    punctuation stripped; "" when there is none."""
    for token in reversed(name.split()):
        word = token.strip(".,;:!?'\"()[]{}*+/&-#").upper()
        if sum(ch.isalpha() for ch in word) >= 2 and word not in NOT_TYPES:
            return word
    return ""


def singular(word, known):
    """BOXES -> BOX, CANDLES -> CANDLE when the singular is in known; else word."""
    for suffix in ("ES", "S"):
        if word.endswith(suffix) and word[: -len(suffix)] in known:
            return word[: -len(suffix)]
    return word


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", help="items CSV to write")
    parser.add_argument("--input", required=True, help="Online Retail CSV (plain or .gz)")
    parser.add_argument("--min-items", type=int, default=20,
                        help="a category word needs at least this many codes, else OTHER [20]")
    args = parser.parse_args()

    opener = gzip.open if args.input.endswith(".gz") else open
    descriptions = {}  # code -> Counter of descriptions (insertion order = first seen)
    prices = collections.defaultdict(list)
    with opener(args.input, "rt", encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            code = row["StockCode"]
            if not code.strip():
                continue
            counter = descriptions.setdefault(code, collections.Counter())
            description = (row["Description"] or "").strip()
            if description:
                counter[description] += 1
            try:
                quantity = float(row["Quantity"])
                price = float(row["UnitPrice"])
            except ValueError:
                continue
            if quantity > 0 and price >= 0:
                prices[code].append(price)

    names = {code: (c.most_common(1)[0][0] if c else "") for code, c in descriptions.items()}
    words = {code: product_word(name) for code, name in names.items()}
    known = set(words.values())
    words = {code: singular(word, known) for code, word in words.items()}
    codes_per_word = collections.Counter(w for w in words.values() if w)

    with open(args.output, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["StockCode", "name", "category", "price"])
        for code, name in names.items():
            word = words[code]
            category = word if codes_per_word[word] >= args.min_items else ("OTHER" if word else "")
            price = prices.get(code)
            writer.writerow([code, name, category,
                             "{:g}".format(statistics.median(price)) if price else ""])

    kept = sum(1 for n in codes_per_word.values() if n >= args.min_items)
    print("{}: {} stock codes, {} categories (+ OTHER)".format(args.output, len(names), kept),
          file=sys.stderr)


if __name__ == "__main__":
    main()
