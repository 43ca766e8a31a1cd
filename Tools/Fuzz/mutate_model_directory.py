"""Edits the files of trained model directories the way a hand or a bad tool might, and checks
that every `gru` command that reads them either works or fails with one line and exit code 1.

    python3 Tools/Fuzz/mutate_model_directory.py [--seed N]

Trains four tiny models (classify, forecast, language model, tag) with the release `gru`,
then, for every key of each model.json and of each checkpoint's training state, writes a
series of wrong values (0, -1, huge, fractional, wrong type, null, missing, emptied lists) and
runs one of evaluate, predict, generate (language model) and train --resume on the copy,
chosen at random. Prints each trap, crash, hang or multi-line error; exits 1 if there are any.
Needs only Python's standard library.
"""
import argparse, copy, json, os, random, shutil, struct, subprocess, sys, tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GRU = os.path.join(REPO, ".build", "release", "gru")
VALUES = [0, -1, 1, 3, 10**9, 2**62, 1e30, -1e30, 0.5, -0.5, "x", None, [], "__delete__"]


def write_data(work):
    series = os.path.join(REPO, "Datasets", "airline", "airline-train.csv")
    text = os.path.join(work, "text.txt")
    with open(os.path.join(REPO, "Datasets", "persuasion", "persuasion-train.txt"), "rb") as f:
        open(text, "wb").write(f.read(6000))
    tags = os.path.join(work, "tags.conll")
    sentence = "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\n\nPeter NNP B-NP B-PER\nin IN B-PP O\nBrussels NNP B-NP B-LOC\n\n"
    open(tags, "w").write(sentence * 8)
    vowels = os.path.join(REPO, "Datasets", "japanese-vowels", "JapaneseVowels_TEST.ts")
    return {
        "classify": (vowels, ["--hidden-size", "8"]),
        "forecast": (series, ["--task", "forecast", "--hidden-size", "8"]),
        "language-model": (text, ["--hidden-size", "16", "--sequence-length", "50"]),
        "tag": (tags, ["--hidden-size", "8"]),
    }


def paths(value, prefix=()):
    """Every leaf of a JSON value, and every list (to be emptied)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths(inner, prefix + (key,))
    elif isinstance(value, list):
        yield prefix + ("__empty__",)
        for index, inner in enumerate(value[:1]):
            yield from paths(inner, prefix + (index,))
    else:
        yield prefix


def edited(value, path, new):
    """A copy of `value` with the leaf at `path` set to `new` (or deleted, or its list emptied)."""
    result = copy.deepcopy(value)
    parent = result
    for key in path[:-1]:
        parent = parent[key]
    if path[-1] == "__empty__":
        parent.clear()
    elif new == "__delete__":
        if not isinstance(parent, dict):
            return None
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return result


def edits(value):
    for path in paths(value):
        for new in ([None] if path[-1] == "__empty__" else VALUES):
            result = edited(value, path, new)
            if result is not None:
                yield path, new, result


def read_safetensors(path):
    data = open(path, "rb").read()
    length = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + length]), data[8 + length:]


def write_safetensors(path, header, body):
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + body)


def failed(arguments):
    """The problem with running gru with `arguments`, or None when it worked or failed in one line."""
    try:
        result = subprocess.run([GRU] + arguments, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "timed out"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if result.returncode == 0 or (result.returncode == 1 and len(lines) == 1 and "runtime failure" not in result.stderr):
        return None
    return f"exit {result.returncode}: " + " | ".join(lines)[-300:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    random.seed(options.seed)
    if not os.path.exists(GRU):
        sys.exit(f"{GRU} is missing: run swift build -c release first")
    work = tempfile.mkdtemp(prefix="gru-mutations-")
    runs = problems = 0
    try:
        for task, (data, flags) in write_data(work).items():
            model = os.path.join(work, task)
            subprocess.run([GRU, "train", "--train", data, "--model", model, "--epochs", "1"] + flags,
                           check=True, capture_output=True)
            copy_dir = os.path.join(work, "edited")
            commands = [["evaluate", "--model", copy_dir, "--data", data],
                        ["predict", "--model", copy_dir, "--data", data, "--output", os.path.join(work, "out.csv")],
                        ["train", "--train", data, "--model", copy_dir, "--resume", "--epochs", "3"] + flags]
            if task == "language-model":
                commands.append(["generate", "--model", copy_dir, "--length", "20"])
            manifest = json.load(open(os.path.join(model, "model.json")))
            header, body = read_safetensors(os.path.join(model, "checkpoint.safetensors"))
            state = json.loads(header["__metadata__"]["state"])
            cases = [("model.json", path, new, result) for path, new, result in edits(manifest)]
            cases += [("checkpoint state", path, new, result) for path, new, result in edits(state)]
            cases += [("optimizer_step_count", (), new, None) for new in ["-1", "x", "9223372036854775807", "99999999999999999999"]]
            for where, path, new, result in cases:
                shutil.rmtree(copy_dir, ignore_errors=True)
                shutil.copytree(model, copy_dir)
                if where == "model.json":
                    json.dump(result, open(os.path.join(copy_dir, "model.json"), "w"))
                    command = random.choice(commands)
                else:
                    edited_header = copy.deepcopy(header)
                    if where == "checkpoint state":
                        edited_header["__metadata__"]["state"] = json.dumps(result)
                    else:
                        edited_header["__metadata__"]["optimizer_step_count"] = new
                    write_safetensors(os.path.join(copy_dir, "checkpoint.safetensors"), edited_header, body)
                    command = commands[2]
                runs += 1
                problem = failed(command)
                if problem:
                    problems += 1
                    print(f"{task}: {where} {'.'.join(map(str, path))} = {new!r}, gru {command[0]}: {problem}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{runs} edited directories, {problems} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
