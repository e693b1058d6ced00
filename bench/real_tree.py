"""Builds the ~100k-line tree of public 2017-18 PyTorch code that ``lint_bench.py --tree``
times (issue 14: "a ~100k-line legacy tree"), at fixed commits, so that anyone can measure
on the same files:

    python bench/real_tree.py DIR [--from MIRRORS]
    python bench/lint_bench.py --tree DIR --no-torchfix

Each repository is fetched at its commit (``git fetch --depth 1``; GitHub serves a commit
by its id) and only its ``.py`` and ``.ipynb`` files are kept, under ``DIR/<name>``.
``--from MIRRORS``: local git directories (``MIRRORS/<owner>+<name>/repo``) instead of
GitHub, for machines without network access.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

#: (owner/name, commit, folder): research code, libraries, tutorials and test suites of
#: the PyTorch 0.2-0.4 years. 851 .py files, 97,484 lines, and 17 notebooks.
REPOSITORIES = [
    ("OpenNMT/OpenNMT-py", "81d94563870d0b65c8414b576a4e7a44ce5b63b2", "opennmt"),
    ("allenai/allennlp", "cdfe9aed70ca567b3c16b412dcbaee4f06134df2", "allennlp"),
    ("facebookresearch/DrQA", "418096388fe36a5560e726c202d39608e5bad3a7", "drqa"),
    ("salesforce/awd-lstm-lm", "bf0742cab41d8bf4cd817acfe7e5e0cbff4131ba", "awd"),
    ("ikostrikov/pytorch-a2c-ppo-acktr", "e3e7150754a88c15c296a8d80a37e08a99b08160", "a2c"),
    ("facebookresearch/fairseq", "71d2d44c80886be700cebbef7d3a7d413e152c42", "fairseq"),
    ("pytorch/text", "442555ba22064b614f6ee9eeaa42e31eae84421f", "torchtext"),
    ("pytorch/examples", "e11e0796fc02cc2cd5b6ec2ad7cea21f77e25402", "examples"),
    ("ruotianluo/self-critical.pytorch", "ec6d4ec35fac268e96e1daca72af8c3914f3dde0", "selfcritical"),
    ("facebookresearch/InferSent", "4b7f9ec7192fc0eed02bc890a56612efc1fb1147", "infersent"),
    ("jwyang/faster-rcnn.pytorch", "67086628162df1c865634f84864cd8b527570cd0", "fasterrcnn"),
    ("eriklindernoren/PyTorch-GAN", "36d3c77e5ff20ebe0aeefd322326a134a279b93e", "pytorch-gan"),
    ("hunkim/PyTorchZeroToAll", "e5a260fac0b4ff1e2ec434fc6f0d962ac97fc289", "zerotoall"),
    ("martinarjovsky/WassersteinGAN", "f7a01e82007ea408647c451b9e1c8f1932a3db67", "wgan"),
    ("ncullen93/torchsample", "6c62da6ac5f32eadf48215451592c9cda35b04f7", "torchsample"),
    ("pytorch/tnt", "ec8b312a766a8e75199cc4770fc1b10b4a169a90", "tnt"),
    ("spro/practical-pytorch", "c520c52e68e945d88fff563dba1c028b6ec0197b", "practical-pytorch"),
]

KEPT = (".py", ".ipynb")


def git(*args: str, cwd: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def fetch(repository: str, commit: str, into: str, mirrors: str | None) -> None:
    if mirrors:
        found = os.path.join(mirrors, repository.replace("/", "+"), "repo")
        found = os.path.join(found, ".git") if os.path.isdir(os.path.join(found, ".git")) else found
        copy_files(found, commit, into)
        return
    with tempfile.TemporaryDirectory() as work:
        git("init", "-q", cwd=work)
        git("fetch", "-q", "--depth", "1", f"https://github.com/{repository}.git", commit, cwd=work)
        copy_files(os.path.join(work, ".git"), commit, into)


def copy_files(git_dir: str, commit: str, into: str) -> None:
    """The ``.py`` and ``.ipynb`` files of ``commit``, read from the objects: some of these
    trees hold large data files, which a checkout would fetch or miss."""
    listing = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", commit], check=True,
                             capture_output=True, text=True).stdout.splitlines()
    wanted = []
    for line in listing:
        meta, _, path = line.partition("\t")
        mode, kind, blob = meta.split()
        if kind == "blob" and mode != "120000" and path.endswith(KEPT):
            wanted.append((blob, path))
    batch = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "--batch"], check=True,
                           input="".join(f"{blob}\n" for blob, _ in wanted).encode(),
                           capture_output=True).stdout
    offset = 0
    for blob, path in wanted:
        header_end = batch.index(b"\n", offset)
        size = int(batch[offset:header_end].split()[2])
        data = batch[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
        target = os.path.join(into, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--from", dest="mirrors", help="local git mirrors (MIRRORS/<owner>+<name>/repo)")
    args = parser.parse_args()
    for repository, commit, folder in REPOSITORIES:
        into = os.path.join(args.directory, folder)
        shutil.rmtree(into, ignore_errors=True)
        os.makedirs(into)
        try:
            fetch(repository, commit, into, args.mirrors)
        except subprocess.CalledProcessError as error:
            print(f"{repository}: {error.stderr.decode(errors='replace').strip()}", file=sys.stderr)
            return 1
    files = lines = 0
    for directory, _, names in os.walk(args.directory):
        for name in names:
            if name.endswith(".py"):
                files += 1
                with open(os.path.join(directory, name), "rb") as handle:
                    lines += handle.read().count(b"\n")
    print(f"{args.directory}: {files} .py files, {lines} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
