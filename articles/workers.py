"""Process pools for text analysis that never outlive the process that started them."""

import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context


def _exit_with_parent(parent: int) -> None:
    """Pool initializer: end this worker as soon as the process that started it is gone.

    A pool's workers wait on their task queue forever; when the parent is killed (an import
    stopped with SIGKILL, a lost terminal) nobody closes that queue, so without this they would
    sleep on as orphans holding their memory. The parent's pid comes from the parent itself:
    a worker still starting up when the parent dies would otherwise take its new parent (init)
    for the one to watch.
    """

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _start_worker(parent: int, initializer, initargs: tuple) -> None:
    _exit_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def article_parts(raw: bytes):
    """What an import keeps of one file's analysis (articles.text.pipeline.article_parts).

    Pools are given this function, not the pipeline's, which would load the analysis modules
    in the process that pickles it: an import's main process only writes, and compiling the
    quote patterns there (~0.35 s of CPU) would be spent for nothing.
    """
    from .text.pipeline import article_parts

    return article_parts(raw)


def process_pool(workers: int, initializer=None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes that end with this one; `initializer(*initargs)`
    runs in each worker first, as with ProcessPoolExecutor."""
    # spawn, not fork: the workers need only the pure text modules, never a copy of Django's
    # open database connections.
    return ProcessPoolExecutor(
        workers,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), initializer, initargs),
    )
