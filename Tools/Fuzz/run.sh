#!/usr/bin/env bash
# Fuzzes GRUKit's readers of untrusted files with libFuzzer (AddressSanitizer on):
#   bash Tools/Fuzz/run.sh [seconds per target, default 60] [target ...]
# Seeds come from Tests/Fixtures and from small model directories trained here; crashing
# inputs are written to Tools/Fuzz/.work/crashes, and the script exits 1 if there are any.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors npy gru-weights ts csv tsv conll txt npy-data model-weights checkpoint onnx keras-weights keras-archive)
repo="$(cd ../.. && pwd)"
work="$PWD/.work"
mkdir -p "$work/crashes"

swift build -c release -Xswiftc -sanitize=fuzzer,address 2>&1 | tail -1
fuzz="$PWD/.build/release/Fuzz"
(cd "$repo" && swift build -c release --product gru 2>&1 | tail -1)
gru="$repo/.build/release/gru"

seed() {  # seed <target> <files...>
    local target="$1"; shift
    mkdir -p "$work/corpus/$target"
    for file in "$@"; do cp "$file" "$work/corpus/$target/"; done
}
fixtures="$repo/Tests/Fixtures"
seed safetensors $(find "$fixtures" -name '*.safetensors' -size -3k | head -8)
seed gru-weights $(find "$fixtures/gru" -name '*.safetensors' -size -3k | head -8)
seed npy $(find "$fixtures" -name '*.npy')
seed npy-data $(find "$fixtures" -name '*.npy')
seed ts $(find "$fixtures" -name '*.ts')
seed onnx $(find "$fixtures/onnx" -name '*.onnx' -size -16k)
seed keras-weights $(find "$fixtures/keras" -name '*.weights.h5')
seed keras-archive $(find "$fixtures/keras" -name '*.keras')
head -c 2000 "$repo/Datasets/airline/airline-train.csv" > "$work/airline.csv"
printf 'label,text\npos,good film\nneg,bad film\npos,nice\nneg,poor\n' > "$work/reviews.csv"
printf 'positive\tgreat movie loved it\nnegative\tawful plot\npositive\tfine acting\nnegative\tbad\n' > "$work/reviews.tsv"
printf -- '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n' > "$work/tags.conll"
head -c 1500 "$repo/Datasets/persuasion/persuasion-train.txt" > "$work/text.txt"
seed csv "$work/airline.csv" "$work/reviews.csv"
seed tsv "$work/reviews.tsv"
seed conll "$work/tags.conll"
seed txt "$work/text.txt"

# A small classifier for the model-directory targets.
model="$work/model"
if [ ! -f "$model/weights.safetensors" ]; then
    rm -rf "$model"
    "$gru" train --train "$work/reviews.csv" --model "$model" --epochs 1 --hidden-size 4 --embedding-size 3 > /dev/null
fi
seed model-weights "$model/weights.safetensors"
seed checkpoint "$model/checkpoint.safetensors"

status=0
for target in "${targets[@]}"; do
    log="$work/$target.log"
    # Keras files hold HDF5's fixed overhead (14 to 40 KB for the fixtures).
    case "$target" in keras-*) max_len=65536 ;; *) max_len=16384 ;; esac
    FUZZ_TARGET="$target" FUZZ_MODEL="$model" "$fuzz" "$work/corpus/$target" \
        -max_total_time="$seconds" -max_len="$max_len" -detect_leaks=0 -print_final_stats=0 \
        -artifact_prefix="$work/crashes/$target-" > "$log" 2>&1 || true
    runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' || echo 0)
    if grep -Eq 'ERROR: (AddressSanitizer|libFuzzer)|Fatal error|runtime failure|deadly signal' "$log"; then
        echo "$target: CRASH after $runs runs (see $log and $work/crashes)"
        status=1
    else
        echo "$target: $runs runs, no crash"
    fi
done
exit $status
