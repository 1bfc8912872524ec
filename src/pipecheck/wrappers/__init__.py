"""The course's steps around the lint: init a project, then train, export and evaluate.

These are thin wrappers. TensorFlow is imported only by `launcher.py`, which runs in the
training subprocess; everything else here stays as light as the lint.
"""
