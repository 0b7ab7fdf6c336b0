"""The thread every long-running operation runs on (reindex, bulk update, export).

Like the service's durable functions, each kind of operation has one worker that takes
the oldest unfinished job from the index, runs it in checkpointed steps and looks for the
next; with nothing to do it sleeps until notified. A job that raises fails on its own
and the worker lives on. Stopping takes effect between steps: subclasses test
:attr:`stopping` between the steps they commit, so a restart resumes after the last one.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Job = TypeVar("Job")


class OperationWorker(ABC, Generic[Job]):
    """One background thread running one kind of operation, a job at a time."""

    kind: str  # names the thread and the log lines: "reindex", "update", "export"

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @abstractmethod
    def next_job(self) -> Job | None:
        """The oldest job not finished (one a restart interrupted comes first), or None."""

    @abstractmethod
    def run_job(self, job: Job) -> None:
        """Run ``job`` to its end, or until :attr:`stopping` between two steps."""

    @abstractmethod
    def job_failed(self, job: Job) -> None:
        """Record that ``run_job`` raised (the job's operation fails, or its step does)."""

    @abstractmethod
    def job_id(self, job: Job) -> str:
        """The operation id, for the log."""

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> None:
        """Start the thread; it first resumes any job a restart left unfinished."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"dicom-emulator-{self.kind}",
                                            daemon=True)
            self._thread.start()

    def notify(self) -> None:
        """Tell the worker that a job was added."""
        self._wake.set()

    def request_stop(self) -> None:
        """Ask the worker to stop after the step in progress, without waiting."""
        self._stopping.set()
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the step in progress (which commits or rolls back as a whole)."""
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("%s worker did not stop within %.0f s", self.kind, timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            job = self.next_job()
            if job is None:
                self._wake.wait()
                self._wake.clear()
                continue
            try:
                self.run_job(job)
            except Exception:  # this job fails; the worker lives on for the next
                log.exception("%s operation %s failed", self.kind, self.job_id(job))
                self.job_failed(job)
