"""One test (or more) per point of the security issue: each fails on the code before its fix."""
