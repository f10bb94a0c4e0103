"""``enable_checksum`` is read from ``[DEFAULT]``, where Zaqar reads it
(``zaqar/conf/default.py``), so a Zaqar configuration copied over keeps
it; swiftq's older ``[transport] enable_checksum`` is still honoured, as
oslo.config's deprecated name, with a deprecation warning."""

import logging

import pytest

import swiftq.conf


def conf_from(tmp_path, text):
    path = tmp_path / 'swiftq.conf'
    path.write_text(text)
    return swiftq.conf.new_conf(config_files=[str(path)])


def test_off_by_default(tmp_path):
    assert conf_from(tmp_path, '').enable_checksum is False


@pytest.mark.parametrize('text', [
    '[DEFAULT]\nenable_checksum = true\n',
    '[transport]\nenable_checksum = true\n',
])
def test_read_from_default_or_deprecated_transport(tmp_path, text):
    assert conf_from(tmp_path, text).enable_checksum is True


def test_default_wins_over_the_deprecated_name(tmp_path):
    conf = conf_from(tmp_path, '[DEFAULT]\nenable_checksum = false\n'
                               '[transport]\nenable_checksum = true\n')
    assert conf.enable_checksum is False


def test_deprecated_name_is_logged(tmp_path, caplog, monkeypatch):
    # oslo.log reports each deprecation once per process: forget those
    # reported by the tests before this one.
    from oslo_log import versionutils
    monkeypatch.setattr(versionutils, '_deprecated_messages_sent', {})
    with caplog.at_level(logging.WARNING, logger='oslo_config.cfg'):
        conf = conf_from(tmp_path, '[transport]\nenable_checksum = true\n')
        assert conf.enable_checksum is True
    assert any('transport' in r.getMessage() and
               'enable_checksum' in r.getMessage() and
               'deprecated' in r.getMessage().lower()
               for r in caplog.records), caplog.text
