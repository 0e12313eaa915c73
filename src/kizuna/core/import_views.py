"""Import pages: upload -> check the column mapping -> check (dry run) or import, as a job.

The uploaded file is kept under KIZUNA_DATA_DIR/imports until its job has run; the session
remembers which uploads belong to this user, so a form cannot name someone else's file.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kizuna.core.imports import (
    JOB_KIND,
    get_kind,
    guess_mapping,
    kinds,
    report_name,
    start_import,
    store_upload,
    table_error_message,
    upload_path,
)
from kizuna.core.jobs import visible_jobs
from kizuna.core.models import ImportMapping
from kizuna.tabular import ENCODINGS, TableError, open_table

SESSION_KEY = "kizuna_uploads"
UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.upload$")
PREVIEW_ROWS = 5
MAX_UPLOAD = 200 * 1024 * 1024  # a million-row CSV is ~150 MB


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to import"))
    file = forms.FileField(label=gettext_lazy("File (CSV or Excel)"))
    source = forms.CharField(
        label=gettext_lazy("Source"), max_length=50, required=False,
        help_text=gettext_lazy("The system the file comes from (ec, pos, cards…). Records are "
                               "matched by source and ID, so importing the same file again "
                               "updates instead of adding. Default: the file name."))
    encoding = forms.ChoiceField(
        label=gettext_lazy("Character encoding"), initial="auto",
        choices=[("auto", gettext_lazy("Detect")), ("utf-8", "UTF-8"),
                 ("cp932", "Shift_JIS (CP932)")])
    mapping = forms.ModelChoiceField(label=gettext_lazy("Saved column mapping"),
                                     queryset=ImportMapping.objects.all(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, str(v.label)) for k, v in sorted(kinds().items())]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB; use `kizuna import` "
                                          "on the server for files this big."))
        return upload


def _remember(request: HttpRequest, name: str) -> None:
    uploads = request.session.get(SESSION_KEY, [])[-20:]
    request.session[SESSION_KEY] = [*uploads, name]


def _owned_upload(request: HttpRequest, name: str) -> str:
    if not UPLOAD_NAME.match(name or "") or name not in request.session.get(SESSION_KEY, []):
        raise Http404
    return name


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None,
                      initial={"kind": request.GET.get("kind", "customers")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        kind = get_kind(form.cleaned_data["kind"])
        try:
            table = open_table(data, encoding=form.cleaned_data["encoding"])
        except TableError as exc:
            form.add_error("file", table_error_message(exc))
        else:
            name = store_upload(data)
            _remember(request, name)
            saved = form.cleaned_data["mapping"]
            mapping = guess_mapping(kind, table.header)
            if saved is not None and saved.kind == kind.key:
                mapping.update({h: c for h, c in saved.columns.items() if h in mapping})
            file_name = form.cleaned_data["file"].name
            source = (form.cleaned_data["source"] or (saved.source if saved else "")
                      or file_name.rsplit(".", 1)[0])[:50]
            preview = [cells for _line, cells in zip(range(PREVIEW_ROWS), table, strict=False)]
            return render(request, "core/import_mapping.html", {
                "kind": kind, "upload": name, "file_name": file_name, "source": source,
                "encoding": form.cleaned_data["encoding"], "table": table,
                "columns": kind.all_columns(),
                "headers": [(i, h, mapping.get(h), [row[1][i] if i < len(row[1]) else ""
                                                    for row in preview])
                            for i, h in enumerate(table.header)],
                "nav_active": "imports",
            })
    return render(request, "core/import_start.html", {"form": form, "nav_active": "imports"})


@login_required
@require_POST
def import_run(request: HttpRequest) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied
    upload = _owned_upload(request, request.POST.get("upload", ""))
    kind = get_kind(request.POST.get("kind", ""))
    data = upload_path(upload).read_bytes()
    encoding = request.POST.get("encoding", "auto")
    if encoding not in ENCODINGS:
        encoding = "auto"
    try:
        header = open_table(data, encoding=encoding).header  # type: ignore[arg-type]
    except TableError as exc:
        messages.error(request, table_error_message(exc))
        return redirect("core:import_start")
    names = {c.name for c in kind.all_columns()}
    mapping = {h: (request.POST.get(f"map-{i}") or None) for i, h in enumerate(header)}
    mapping = {h: (c if c in names else None) for h, c in mapping.items()}
    source = request.POST.get("source", "").strip()[:50]
    if request.POST.get("save_as", "").strip():
        try:
            ImportMapping.objects.update_or_create(
                kind=kind.key, name=request.POST["save_as"].strip()[:100],
                defaults={"source": source, "columns": mapping, "created_by": request.user})
        except IntegrityError:
            messages.error(request, _("The mapping could not be saved."))
    job = start_import(
        actor=request.user, kind=kind.key, upload=upload, source=source, mapping=mapping,
        encoding=encoding, dry_run=request.POST.get("action") != "import",
        valid_rows_only=bool(request.POST.get("valid_rows_only")),
        file_name=request.POST.get("file_name", ""))
    return redirect("core:job_detail", pk=job.pk)


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: str) -> HttpResponse:
    """Run, for real, an import whose check (dry run) the user has just looked at."""
    check = get_object_or_404(visible_jobs(request.user), pk=pk, kind=JOB_KIND)
    params = check.params
    if not params.get("dry_run"):
        raise Http404
    job = start_import(
        actor=request.user, kind=params["kind"], upload=params["upload"],
        source=params.get("source", ""), mapping=params.get("mapping"),
        encoding=params.get("encoding", "auto"), sheet=params.get("sheet"), dry_run=False,
        valid_rows_only=bool(request.POST.get("valid_rows_only")
                             or params.get("valid_rows_only")),
        file_name=params.get("file_name", ""))
    return redirect("core:job_detail", pk=job.pk)


@login_required
def import_report(request: HttpRequest, pk: str) -> HttpResponse:
    job = get_object_or_404(visible_jobs(request.user), pk=pk, kind=JOB_KIND)
    path = upload_path(report_name(job.pk))
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=f"rejected-{job.params.get('kind', 'rows')}.csv",
                        content_type="text/csv; charset=utf-8")
