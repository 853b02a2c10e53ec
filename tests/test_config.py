"""Configuration: the embedded default, the documented environment names, clear errors."""
import pytest

from bot.config import SETTINGS, ConfigError, load_config

REQUIRED_ENV = {
    "WECHAT_TOKEN": "tok", "WECHAT_APP_ID": "wx123", "WECHAT_APP_SECRET": "s3cret",
    "DATABASE_URL": "postgresql+psycopg://u@db/zgzj", "SECRET_KEY": "a-long-enough-secret",
}


def test_no_configuration_at_all_runs_the_embedded_demo(tmp_path):
    config = load_config(environ={}, path=tmp_path / "missing.yaml")
    assert config.demo
    assert config.database_url.startswith("sqlite:///") and config.redis_url == ""
    assert config.wechat_api_base_url.startswith("http://127.0.0.1")
    assert config.host == "127.0.0.1" and config.port == 8000


def test_the_documented_environment_variables_are_read(tmp_path):
    env = {**REQUIRED_ENV, "WECHAT_ENCODING_AES_KEY": "k" * 43, "WECHAT_API_BASE_URL": "http://fake:9/",
           "MINIPROGRAM_APP_ID": "wxmp", "MINIPROGRAM_APP_SECRET": "mps", "REDIS_URL": "redis://r:6379/0",
           "HOST": "0.0.0.0", "PORT": "9000"}
    config = load_config(environ=env, path=tmp_path / "missing.yaml")
    assert not config.demo
    assert (config.wechat_token, config.wechat_app_id, config.wechat_app_secret) == ("tok", "wx123", "s3cret")
    assert config.wechat_encoding_aes_key == "k" * 43 and config.wechat_api_base_url == "http://fake:9"
    assert (config.miniprogram_app_id, config.miniprogram_app_secret) == ("wxmp", "mps")
    assert config.database_url == REQUIRED_ENV["DATABASE_URL"] and config.redis_url == "redis://r:6379/0"
    assert (config.host, config.port, config.secret_key) == ("0.0.0.0", 9000, "a-long-enough-secret")


def test_environment_overrides_the_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("wechat:\n  token: from-file\n  app_id: wxfile\n  app_secret: s\n"
                    "database_url: sqlite:///x.db\nsecret_key: file-secret-0123456789\nport: 8100\n")
    config = load_config(environ={"PORT": "8200"}, path=path)
    assert config.wechat_token == "from-file" and config.port == 8200


@pytest.mark.parametrize("missing", sorted(REQUIRED_ENV))
def test_a_missing_required_setting_is_named(tmp_path, missing):
    env = {k: v for k, v in REQUIRED_ENV.items() if k != missing}
    with pytest.raises(ConfigError, match=missing):
        load_config(environ=env, path=tmp_path / "missing.yaml")


@pytest.mark.parametrize("name,value", [("PORT", "eighty"), ("PORT", "70000"),
                                        ("WECHAT_ENCODING_AES_KEY", "too-short"),
                                        ("WECHAT_API_BASE_URL", "not a url")])
def test_a_bad_value_is_named(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_config(environ={**REQUIRED_ENV, name: value}, path=tmp_path / "missing.yaml")


def test_broken_yaml_names_the_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("wechat: [unclosed\n")
    with pytest.raises(ConfigError, match="config.yaml"):
        load_config(environ={}, path=path)


def test_the_example_file_documents_every_setting():
    from bot.config import PROJECT_ROOT

    example = (PROJECT_ROOT / "config.example.yaml").read_text(encoding="utf-8")
    undocumented = [s.env for s in SETTINGS if s.env not in example]
    assert not undocumented, f"config.example.yaml does not mention {undocumented}"
    load_config(environ=REQUIRED_ENV, path=PROJECT_ROOT / "config.example.yaml")  # the template itself loads


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(runtime):
    from flask import request

    from bot import create_app

    runtime.config = runtime.config.with_overrides(trusted_proxies=1)
    app = create_app(runtime.config, runtime=runtime)
    app.add_url_rule("/_test/addr", "addr", lambda: request.remote_addr)
    client = app.test_client()
    assert client.get("/_test/addr", headers={"X-Forwarded-For": "203.0.113.7"}).get_data(as_text=True) == "203.0.113.7"
    direct = create_app(runtime.config.with_overrides(trusted_proxies=0), runtime=runtime)
    direct.add_url_rule("/_test/addr", "addr", lambda: request.remote_addr)
    assert direct.test_client().get("/_test/addr", headers={"X-Forwarded-For": "203.0.113.7"}).get_data(as_text=True) != "203.0.113.7"
