"""Run the two notebooks with papermill, convert them to HTML, publish every output atomically.

Everything goes to a staging folder inside ``output_dir`` first; only when both notebooks ran,
both workbooks exist and both reports passed the leak gate are the files moved to their final
names. A failed run therefore leaves the previous run's outputs byte-identical.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import report, sources
from .errors import OutputError, ReportkitError, RunError
from .jobs import Job, prepare
from .params import Params, load_params, resolve_source

KERNEL_NAME = "reportkit"
DOSSIERS_NOTEBOOK = "dossiers_{run_id}.ipynb"  # the executed notebooks, published beside the files
RECURRING_NOTEBOOK = "recurrent_{period}.ipynb"
NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
LOCK_NAME = ".reportkit.lock"

Progress = Callable[[str], None]


@dataclass
class RunResult:
    output_dir: Path
    outputs: list[Path]
    timings: dict[str, float] = field(default_factory=dict)


def _quiet(_: str) -> None:
    pass


def ensure_kernel() -> str:
    """The kernel the notebooks run in: this interpreter, registered inside its own prefix.

    The prefix goes first on JUPYTER_PATH, so a ``reportkit`` kernel of another checkout in the
    user's Jupyter folder can never shadow this one.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    share = str(Path(sys.prefix) / "share" / "jupyter")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if share not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([share, *paths])
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if os.path.abspath(spec.argv[0]) == os.path.abspath(sys.executable):
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (reportkit)", prefix=sys.prefix)
    return KERNEL_NAME


def notebook_html(path: Path, *, title: str, subtitle: str | None = None) -> str:
    """An executed notebook as a self-contained French page: rendered outputs only, no code."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    keep = {"text/html", "image/png", "image/svg+xml"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        # Logs, warnings and plain reprs are for the analyst in Jupyter, not for the reader.
        cell.outputs = [
            o
            for o in cell.get("outputs", [])
            if o.get("output_type") in ("display_data", "execute_result")
            and keep & set(o.get("data", {}))
        ]
        for o in cell.outputs:
            o["data"] = {k: v for k, v in o["data"].items() if k in keep}
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    return report.page(title, body, subtitle=subtitle)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


class _Steps:
    """A line per step with its duration, and the durations kept for the benchmark."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}

    def run(self, label: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        took = time.perf_counter() - start
        self.timings[label] = self.timings.get(label, 0.0) + took
        self.progress(f"  ✓ {label} ({took:.1f} s)")
        return result


def _secrets(params: Params) -> tuple[list[str], list[str]]:
    """What the leak gate must never let through: the URL, its password, contacts' e-mails."""
    secrets: list[str] = []
    resolved = resolve_source(params.source)
    if "://" in resolved:
        secrets.append(resolved)
        try:
            from sqlalchemy.engine import make_url

            pw = make_url(resolved).password
            if pw and len(str(pw)) >= 4:
                secrets.append(str(pw))
        except Exception:
            pass
    with sources.open_source(params.source) as src:
        emails = sources.contact_emails(src)
    return emails, secrets


def _execute(
    name: str,
    job: Job,
    staging: Path,
    out_name: str,
    *,
    kernel: str,
    cell_timeout: int,
    progress_bar: bool,
    notebook_dir: Path,
) -> dict[str, float]:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    # papermill logs every parameter it injects; the CLI prints its own progress lines.
    logging.getLogger("papermill").setLevel(logging.ERROR)

    nb_in = notebook_dir / f"{name}.ipynb"
    nb_out = staging / out_name
    p = job.params
    parameters = {
        "source": p.source,  # env:VAR stays a name here: the kernel resolves it
        "run_id": p.run_id,
        "period": job.period,
        "output_dir": str(staging),
        "previous_recurring": str(Path(p.previous_recurring).resolve())
        if p.previous_recurring
        else "",
        "deficit_threshold": float(p.deficit_threshold),
        "variation_threshold": float(p.variation_threshold),
        "top_n": p.top_n,
        "skip_checks": True,
    }
    try:
        pm.execute_notebook(
            str(nb_in),
            str(nb_out),
            parameters=parameters,
            kernel_name=kernel,
            progress_bar=progress_bar,
            log_output=False,
            cwd=os.getcwd(),
            execution_timeout=cell_timeout,
            start_timeout=120,
            # The kernel's start-up warnings are noise among the one-line-per-step output.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        saved = _save_failed(nb_out, job.output_dir, out_name)
        first = (exc.evalue or "").strip().splitlines()[0] if exc.evalue else ""
        if exc.ename in _OUR_ERRORS:
            raise RunError(
                f"{first} (notebook {name}.ipynb, cell {exc.exec_count}; saved at {saved})",
                notebook=str(saved),
                cell=exc.cell_index,
            ) from None
        raise RunError(
            f"notebook {name}.ipynb failed in cell {exc.exec_count}: {exc.ename}: {first} "
            f"(executed notebook saved at {saved})",
            notebook=str(saved),
            cell=exc.cell_index,
        ) from None
    except Exception as exc:  # dead kernel, cell timeout, kernel that never started
        saved = _save_failed(nb_out, job.output_dir, out_name)
        detail = " ".join(str(exc).split())[:300] or type(exc).__name__
        where = f" (partial notebook saved at {saved})" if saved else ""
        raise RunError(
            f"notebook {name}.ipynb did not complete: {type(exc).__name__}: {detail}{where}",
            notebook=str(saved) if saved else None,
        ) from None
    return _cell_timings(nb_out)


def _subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


# A notebook cell raising one of these failed on the user's data or params, not on a bug: its
# own one-line message is what the user needs.
_OUR_ERRORS = {"ReportkitError", *(c.__name__ for c in _subclasses(ReportkitError))}


def _save_failed(nb_out: Path, output_dir: Path, out_name: str) -> Path | None:
    if not nb_out.exists():
        return None
    target = output_dir / out_name.replace(".ipynb", ".failed.ipynb")
    try:
        shutil.move(str(nb_out), target)
    except OSError:
        return nb_out
    return target


def _cell_timings(nb_path: Path) -> dict[str, float]:
    """Durations of the cells tagged ``step:NAME`` (papermill records each cell's duration)."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    out: dict[str, float] = {"cells (all)": 0.0}
    for cell in nb.cells:
        duration = (cell.get("metadata", {}).get("papermill", {}) or {}).get("duration")
        if duration is None:
            continue
        out["cells (all)"] += float(duration)
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag.startswith("step:"):
                key = tag[5:]
                out[key] = out.get(key, 0.0) + float(duration)
    return out


def _timed_execute(name: str, *args: Any, **kwargs: Any) -> tuple[dict[str, float], float]:
    start = time.perf_counter()
    cells = _execute(name, *args, **kwargs)
    return cells, time.perf_counter() - start


def _execute_side_by_side(
    notebooks: dict[str, str],
    job: Job,
    staging: Path,
    steps: _Steps,
    **kwargs: Any,
) -> dict[str, tuple[dict[str, float], float]]:
    """Both notebooks at once, each in its own kernel: they share nothing but the source.

    On two cores this hides one notebook's kernel start and SQL behind the other's. When one
    fails, the other is still awaited (its outputs stay in staging), then the first failure in
    notebook order is raised.
    """
    from concurrent.futures import ThreadPoolExecutor

    results: dict[str, tuple[dict[str, float], float]] = {}
    errors: dict[str, BaseException] = {}
    with ThreadPoolExecutor(max_workers=len(notebooks)) as pool:
        futures = {
            name: pool.submit(
                _timed_execute, name, job, staging, out_name, progress_bar=False, **kwargs
            )
            for name, out_name in notebooks.items()
        }
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except BaseException as exc:  # re-raised below, after the other notebook ended
                errors[name] = exc
                continue
            wall = results[name][1]
            steps.timings[f"notebook {name}.ipynb executed"] = wall
            steps.progress(f"  ✓ notebook {name}.ipynb executed ({wall:.1f} s)")
    for name in notebooks:
        if name in errors:
            raise errors[name]
    return results


def run(
    params_path: str | Path,
    *,
    progress: Progress = _quiet,
    cell_timeout: int = 3600,
    progress_bar: bool = False,
    notebook_dir: str | Path | None = None,
    parallel: bool = True,
) -> RunResult:
    """The monthly job: check, execute both notebooks, convert, gate, publish.

    ``notebook_dir`` runs an analyst's own copies of ``dossiers.ipynb`` and ``recurrent.ipynb``;
    ``parallel`` runs the two notebooks at once (``progress_bar`` applies only one at a time).
    """
    steps = _Steps(progress)
    nb_dir = Path(notebook_dir) if notebook_dir else NOTEBOOK_DIR
    for name in ("dossiers", "recurrent"):
        if not (nb_dir / f"{name}.ipynb").is_file():
            raise RunError(f"notebook {nb_dir / (name + '.ipynb')} does not exist")
    params = steps.run("params read", lambda: load_params(params_path))
    job = steps.run(
        "source opened and checked against the contract",
        lambda: prepare(**params.model_dump(mode="python")),
    )
    out_dir = job.output_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out_dir, prefix=".probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise OutputError(
            f"output_dir {out_dir} cannot be written: {exc.strerror or exc}"
        ) from None

    from filelock import FileLock, Timeout

    lock = FileLock(str(out_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputError(
            f"another reportkit run is writing {out_dir} (lock {out_dir / LOCK_NAME})"
        ) from None
    staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=".staging-"))
    try:
        emails, secrets = steps.run("gate prepared", lambda: _secrets(params))
        kernel = ensure_kernel()
        d_nb, r_nb = job.path(DOSSIERS_NOTEBOOK).name, job.path(RECURRING_NOTEBOOK).name
        notebooks = {"dossiers": d_nb, "recurrent": r_nb}
        if parallel:
            results = _execute_side_by_side(
                notebooks,
                job,
                staging,
                steps,
                kernel=kernel,
                cell_timeout=cell_timeout,
                notebook_dir=nb_dir,
            )
        else:
            results = {
                name: steps.run(
                    f"notebook {name}.ipynb executed",
                    lambda name=name, out_name=out_name: _timed_execute(
                        name,
                        job,
                        staging,
                        out_name,
                        kernel=kernel,
                        cell_timeout=cell_timeout,
                        progress_bar=progress_bar,
                        notebook_dir=nb_dir,
                    ),
                )
                for name, out_name in notebooks.items()
            }
        for name, (cells, wall) in results.items():
            for k, v in cells.items():
                steps.timings[f"{name}: {k}"] = v
            steps.timings[f"{name}: notebook overhead"] = wall - cells["cells (all)"]
        for xlsx in (job.dossiers_xlsx.name, job.recurring_xlsx.name):
            if not (staging / xlsx).is_file():
                raise RunError(f"the notebooks ran but did not write {xlsx}")

        title_d = f"Contrôle du run de facturation {job.run.run_id}"
        title_r = f"Services déficitaires — {job.period}"
        for nb_name, html_name, title in (
            (d_nb, job.dossiers_html.name, title_d),
            (r_nb, job.deficits_html.name, title_r),
        ):

            def convert(nb_name=nb_name, html_name=html_name, title=title) -> None:
                page = notebook_html(
                    staging / nb_name, title=title, subtitle=f"Période {job.period}"
                )
                report.gate(page, emails=emails, secrets=secrets)
                _write_text(staging / html_name, page)

            steps.run(f"HTML {html_name} converted and checked", convert)

        names = [
            job.dossiers_xlsx.name,
            job.recurring_xlsx.name,
            job.dossiers_html.name,
            job.deficits_html.name,
            d_nb,
            r_nb,
        ]

        def publish() -> list[Path]:
            done = []
            for n in names:
                os.replace(staging / n, out_dir / n)
                done.append(out_dir / n)
            for n in (d_nb, r_nb):  # a success supersedes an earlier failure's notebook
                (out_dir / n.replace(".ipynb", ".failed.ipynb")).unlink(missing_ok=True)
            return done

        outputs = steps.run("outputs published", publish)
    except ReportkitError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write outputs in {out_dir}: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        lock.release()
    return RunResult(output_dir=out_dir, outputs=outputs, timings=steps.timings)
