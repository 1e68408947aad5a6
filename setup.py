"""The one compiled module (the per-posting loops of a question); everything else is in
pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "kilde.retrieval.index._postings",
            ["retrieval/index/_postings.pyx"],
            # numpy's scores, operation for operation: no fused multiply-add
            extra_compile_args=["-O2", "-ffp-contract=off"],
        )
    ],
)
