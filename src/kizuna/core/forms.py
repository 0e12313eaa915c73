from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kizuna.core.models import Role, Team, User


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=100,
        help_text=_("What the token is for, e.g. “Excel import” or “BI tool”."),
    )


def apply_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form field it names, or on the form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            if target is None and field != "__all__":
                label = field.removeprefix("custom.")
                message = f"{label}: {message}"
            form.add_error(target, message)


class ServiceForm(forms.ModelForm):
    """A ModelForm whose model validation is done by the service, not by the form.

    The service normalises first (〒１００ー０００１ -> 1000001) and validates after; the
    ModelForm's own model validation would reject the raw input before it was cleaned.
    """

    # The version the user saw: a save against a newer version is refused (optimistic locking).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        if "owner" in self.fields:
            self.fields["owner"].queryset = User.objects.filter(is_active=True)
            if not (actor.is_administrator or actor.role == Role.MANAGER):
                del self.fields["owner"]  # members own what they create
        if "team" in self.fields:
            self.fields["team"].queryset = (Team.objects.all() if actor.is_administrator
                                            else actor.teams.all())
        for name in ("postal_code", "phone"):
            if name in self.fields:
                # Room for 〒, dashes and full-width digits; the service stores the clean form.
                self.fields[name].max_length = 30
                self.fields[name].widget.attrs["maxlength"] = 30
                self.fields[name].validators = []

    def _post_clean(self) -> None:
        """Model validation happens in the service, after its Japanese normalisation."""

    def service_data(self) -> tuple[int | None, dict[str, Any]]:
        data = dict(self.cleaned_data)
        return data.pop("version", None), data


class ListFilterForm(forms.Form):
    """Search, filters and sort of a list page, read from the query string."""

    list_id = "list"  # the search box is #<list_id>-q (browser tests use #account-q)
    # The default sort has the empty value, so that it stays out of shared URLs.
    sort_choices: list[tuple[str, Any]] = [
        ("", _("Kana order (あいうえお順)")),
        ("recent", _("Recently updated")),
    ]

    q = forms.CharField(label=_("Search"), required=False, widget=forms.SearchInput)
    sort = forms.ChoiceField(label=_("Sort"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["sort"].choices = self.sort_choices
        self.fields["q"].widget.attrs.update({"autocomplete": "off", "enterkeyhint": "search",
                                              "id": f"{self.list_id}-q"})

    def values(self) -> dict[str, Any]:
        """The valid values; an invalid filter is ignored rather than failing the page."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


