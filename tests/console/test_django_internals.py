"""The three spots that leaned on Django internals (issue 20).

- ``tenants.activity``: ``activity_wanted`` asks its own ``ActivitySignal``
  (connect/disconnect are public) instead of ``Signal.receivers``' layout.
- ``{% jinja %}``: the Jinja backend's public ``Template.render(context, request)``
  instead of its ``.template`` and ``csrf_input_lazy``.
- ``makemessages``: no public hook exists; the internals it uses are pinned here.
"""

import ast
import gc
import pathlib
from types import SimpleNamespace

import pytest
from django.core.management.commands import makemessages as django_makemessages
from django.template import Context, Template
from django.test import RequestFactory

from console.accounts.management.commands import makemessages
from invitations.activity import InvitationAction
from tenants import activity

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_activity_wanted_reads_no_private_signal_attribute():
    assert ".receivers" not in (ROOT / "tenants" / "activity.py").read_text()


@pytest.mark.django_db
def test_a_listener_without_a_check_is_seen_and_forgotten_when_disconnected():
    def listener(sender, events, **kwargs):
        pass

    before = activity.activity_wanted(InvitationAction.EXPIRED)  # no endpoint wants it
    activity.activity_recorded.connect(listener)
    assert activity.activity_wanted(InvitationAction.EXPIRED) is True
    activity.activity_recorded.disconnect(listener)
    assert activity.activity_wanted(InvitationAction.EXPIRED) is before is False


@pytest.mark.django_db
def test_a_weak_listener_that_was_collected_is_forgotten():
    def listener(sender, events, **kwargs):
        pass

    activity.activity_recorded.connect(listener)
    del listener
    gc.collect()

    assert activity.activity_wanted(InvitationAction.EXPIRED) is False


@pytest.mark.django_db
def test_a_bound_method_listener_disconnects():
    class Listener:
        def on_recorded(self, sender, events, **kwargs):
            pass

    listener = Listener()
    activity.activity_recorded.connect(listener.on_recorded)
    activity.activity_recorded.disconnect(listener.on_recorded)

    assert activity.activity_wanted(InvitationAction.EXPIRED) is False


def test_the_jinja_tag_uses_the_backends_public_render():
    tree = ast.parse((ROOT / "console" / "templatetags.py").read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    attributes = [node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)]
    assert "django.template.backends.utils" not in imported  # csrf_input_lazy
    assert "template" not in attributes  # the backend Template's wrapped jinja2 template


def test_a_jinja_fragment_included_from_a_django_template_gets_the_csrf_input():
    request = RequestFactory().get("/")
    page = Template('{% load console %}{% jinja "partials/language_menu.jinja" %}')

    html = page.render(Context({"request": request}))

    assert 'name="csrfmiddlewaretoken"' in html


def test_makemessages_internals_it_relies_on_are_still_there(tmp_path):
    """Pinned: the command's file class, its preprocess() hook, path and work_path."""
    assert django_makemessages.Command.build_file_class is django_makemessages.BuildFile
    assert makemessages.Command.build_file_class is makemessages.BuildFile
    fragment = tmp_path / "fragment.jinja"
    fragment.write_text("<p>{{ _('Members') }}</p>\n")
    translatable = django_makemessages.TranslatableFile(
        dirpath=str(tmp_path), file_name="fragment.jinja", locale_dir=str(tmp_path)
    )
    build = makemessages.BuildFile(
        command=SimpleNamespace(verbosity=0), domain="django", translatable=translatable
    )

    build.preprocess()  # what the command calls for each file before xgettext

    assert build.path == str(fragment)
    assert pathlib.Path(build.work_path).read_text() == "gettext('Members')\n"
    build.cleanup()
    assert not pathlib.Path(build.work_path).exists()
