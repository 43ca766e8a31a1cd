#!/usr/bin/env bash
# Checks the Swift sources against the repository's swift-format configuration (.swift-format at
# the root), or rewrites them with --fix.
#
#   bash Tools/format.sh          # lint; every finding is an error (exit 1 when there is one)
#   bash Tools/format.sh --fix    # format the same files in place
#
# The configuration follows the code's existing style: 4-space indentation, lines of at most
# 120 characters, switch cases level with `switch`, `#if` bodies not indented. Two rules are
# set apart from swift-format's defaults:
# - OneVariableDeclarationPerLine is off: `let h = hiddenSize, i = inputSize` is the house way
#   to bind a kernel's letters (about 300 such declarations), and splitting them adds lines
#   without clarity.
# - AllPublicDeclarationsHaveDocumentation is on: STYLE.md asks for `///` on every public
#   declaration.
# Rules that today's code already satisfies (NoEmptyLinesOpeningClosingBraces, OmitExplicitReturns,
# AlwaysUseLiteralForEmptyCollectionInit, UseWhereClausesInForLoops, NoLeadingUnderscores) are on
# so that it stays so.
set -euo pipefail
cd "$(dirname "$0")/.."

paths=(Sources Tests Tools/Fuzz/Sources)
case "${1:-}" in
    "") exec swift format lint --strict --recursive "${paths[@]}" ;;
    --fix) exec swift format format --in-place --recursive "${paths[@]}" ;;
    *) echo "error: unknown argument '$1'; expected none (lint) or --fix" >&2; exit 64 ;;
esac
