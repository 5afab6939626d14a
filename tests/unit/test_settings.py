"""Settings: where the file is, defaults merged with it, refusals of bad files, and `reader config`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.settings import (Settings, SettingsError, TagSetting, default_settings_text, load_settings,
                             save_settings, settings_path, write_default_settings)
from reader.store import DEFAULT_TAGS


@pytest.fixture
def config_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("READER_CONFIG", str(path))
    return path


def invoke(*args: str):
    from reader.cli import cli

    return CliRunner().invoke(cli, list(args), prog_name="reader")


def test_path_is_in_the_user_config_folder_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv("READER_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert settings_path() == tmp_path / "xdg" / "reader" / "config.toml"
    monkeypatch.setenv("READER_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert settings_path() == tmp_path / "elsewhere.toml"


def test_missing_file_gives_the_defaults(config_file):
    settings = load_settings()
    assert settings.path == config_file
    assert settings.author == "" and settings.theme == "textual-dark" and settings.keys == {}
    assert [(t.name, t.colour, t.description) for t in settings.tags] == list(DEFAULT_TAGS)


def test_file_values_are_merged_over_the_defaults(config_file):
    config_file.parent.mkdir()
    config_file.write_text('author = "Ada"\n[keys]\n"reading.next_annotation" = "ctrl+n"\n', encoding="utf-8")
    settings = load_settings()
    assert settings.author == "Ada"
    assert settings.theme == "textual-dark"  # not in the file: the default stays
    assert settings.keys == {"reading.next_annotation": "ctrl+n"}
    assert len(settings.tags) == len(DEFAULT_TAGS)


def test_round_trip_through_the_file(tmp_path):
    original = Settings(author="Grace Hopper", theme="textual-light",
                        tags=(TagSetting("fact", "#112233", "checked"), TagSetting("rumour", "#abcdef")),
                        keys={"app.quit": "ctrl+q", "reading.link": "L"})
    path = tmp_path / "config.toml"
    save_settings(original, path)
    assert load_settings(path) == dataclasses.replace(original, path=path)


def test_init_file_is_commented_and_loads_as_the_defaults(config_file):
    write_default_settings(config_file)
    text = config_file.read_text(encoding="utf-8")
    assert text == default_settings_text()
    assert sum(line.startswith("#") for line in text.splitlines()) >= 5
    assert load_settings() == Settings(path=config_file)
    with pytest.raises(SettingsError, match="already exists"):
        write_default_settings(config_file)


@pytest.mark.parametrize("content, message", [
    ("author = \n", "not valid TOML"),
    ("autor = 'x'\n", "unknown setting 'autor'"),
    ("author = 3\n", "'author' must be a string"),
    ("[[tags]]\nname = 'x'\ncolour = 'reddish'\n", "colour must be #rrggbb"),
    ("[[tags]]\nname = 'a;b'\ncolour = '#000000'\n", "no ';' or ','"),
    ("[[tags]]\nname = 'x'\ncolour = '#000000'\n[[tags]]\nname = 'X'\ncolour = '#ffffff'\n", "listed twice"),
    ("[keys]\n'bad id!' = 'x'\n", "is not a binding id"),
    ("[keys]\nquit = 5\n", "must be a key name"),
])
def test_bad_files_are_refused_in_one_line(config_file, content, message):
    config_file.parent.mkdir()
    config_file.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match=message) as raised:
        load_settings()
    assert "\n" not in str(raised.value)
    result = invoke("config")
    assert result.exit_code == 1
    assert message.split("'")[0] in result.output and "Traceback" not in result.output


def test_config_command_prints_where_and_what(config_file):
    result = invoke("config")
    assert result.exit_code == 0, result.output
    assert f"# settings file: {config_file} (not created yet" in result.output
    assert 'theme = "textual-dark"' in result.output and 'name = "claim"' in result.output
    config_file.parent.mkdir()
    config_file.write_text('author = "Ada <x>"\n', encoding="utf-8")
    result = invoke("config")
    assert f"# settings file: {config_file}\n" in result.output
    assert 'author = "Ada <x>"' in result.output
    assert invoke("config", "--path").output == f"{config_file}\n"


def test_config_init_writes_once(config_file):
    result = invoke("config", "--init")
    assert result.exit_code == 0 and config_file.is_file()
    config_file.write_text(config_file.read_text().replace('author = ""', 'author = "kept"'), encoding="utf-8")
    again = invoke("config", "--init")
    assert again.exit_code == 1 and "already exists" in again.output
    assert 'author = "kept"' in config_file.read_text()
    assert load_settings().author == "kept"
