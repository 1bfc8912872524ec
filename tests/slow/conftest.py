import pytest


@pytest.fixture(scope="session")
def ssd_archive(tmp_path_factory):
    """The tiny SSD's zoo archive (a real detection checkpoint, built by TensorFlow in a subprocess), built once for
    every course project of the session: init only reads it."""
    from support.ssd_course import zoo_archive

    return zoo_archive(tmp_path_factory.mktemp("ssd-zoo"))
