"""Background jobs for long runs (probability models, segmentation, planning) with progress.

A job runs in one worker thread (jobs run one at a time: they write the same workspace and
share the machine's cores); its progress and outcome are published on the event bus, so every
open page shows them. A job's function receives a ``progress(fraction, message)`` callback.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from carpathia.errors import CarpathiaError, UnknownNameError

from .events import EventBus

__all__ = ["Job", "JobManager"]

_log = logging.getLogger("carpathia.web")
_KEEP = 200  # finished jobs remembered
_MIN_GAP_S = 0.2  # at most five progress events a second per job and stage

Progress = Callable[[float, str], None]


@dataclass
class Job:
    """One background run and what the page needs to show it."""

    id: int
    kind: str
    user: str
    incident: int | None = None
    status: str = "queued"  # queued, running, done, failed
    progress: float = 0.0
    message: str = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: Any = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class JobManager:
    """Queue of jobs run by a single worker thread; state changes are published as ``job`` events."""

    def __init__(self, bus: EventBus, *, on_done: Callable[[Job], None] | None = None) -> None:
        self.bus = bus
        self.on_done = on_done
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="carpathia-job")
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def submit(self, kind: str, fn: Callable[[Progress], Any], *, user: str, incident: int | None = None) -> Job:
        """Queue ``fn(progress)``; returns the job at once."""
        with self._lock:
            job = Job(id=next(self._ids), kind=kind, user=user, incident=incident)
            self._jobs[job.id] = job
            done = [j for j in self._jobs.values() if j.finished is not None]
            for old in done[: max(0, len(done) - _KEEP)]:
                del self._jobs[old.id]
        self._publish(job)
        self._pool.submit(self._run, job, fn)
        return job

    def get(self, job_id: int) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise UnknownNameError(f"no job {job_id}; list the jobs at /api/jobs")
        return job

    def list(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.id)

    def wait(self, job_id: int, timeout: float = 60.0) -> Job:
        """Block until the job has finished (tests and scripts)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            job = self.get(job_id)
            if job.finished is not None:
                return job
            time.sleep(0.02)
        raise TimeoutError(f"job {job_id} still {self.get(job_id).status} after {timeout} s")

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ worker
    def _run(self, job: Job, fn: Callable[[Progress], Any]) -> None:
        job.status, job.started, job.message = "running", time.time(), "running"
        self._publish(job)
        last = [0.0, job.message]

        def progress(fraction: float, message: str = "") -> None:
            job.progress = min(max(float(fraction), 0.0), 1.0)
            job.message = message or job.message
            now = time.monotonic()
            # a new stage is always told; within a stage, at most five updates a second
            if job.message != last[1] or now - last[0] >= _MIN_GAP_S:
                last[0], last[1] = now, job.message
                self._publish(job)

        try:
            job.result = fn(progress)
            job.status, job.progress, job.message = "done", 1.0, "done"
        except CarpathiaError as exc:
            job.status, job.error, job.message = "failed", " ".join(str(exc).split()), "failed"
        except Exception as exc:  # a bug in the library: keep the server alive and say so
            _log.exception("job %s (%s) failed", job.id, job.kind)
            job.status, job.message = "failed", "failed"
            job.error = f"internal error ({type(exc).__name__}: {exc}); see the server log"
        job.finished = time.time()
        self._publish(job)
        if self.on_done is not None:
            self.on_done(job)

    def _publish(self, job: Job) -> None:
        self.bus.publish("job", job.to_dict())
