"""The files in deploy/, read by the programs that will read them where those exist here
(systemd-analyze, caddy, nginx, docker), and held against the app: every setting they name is
one it reads, every command they run is one `rental` has, the example settings load, and the
proxies take the largest form the app takes."""

from __future__ import annotations

import ast
import ipaddress
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from rental.kernel.settings import PROJECT_ROOT, ConfigError, load_settings

pytestmark = pytest.mark.no_database

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = DEPLOY / "systemd"
DOCKER = DEPLOY / "docker"
CADDYFILES = [DEPLOY / "caddy" / "Caddyfile", DOCKER / "Caddyfile"]
NGINX_SITE = DEPLOY / "nginx" / "tool-library.conf"
SERVER_UNIT = UNITS / "tool-library.service"
# Where the units expect the installed command (deploy/README.md installs it there).
INSTALLED_RENTAL = "/opt/tool-library/.venv/bin/rental"
# The jobs the timers run, and the setting that keeps each out of the server meanwhile.
TIMER_JOBS = {
    "tool-library-expire": (["bookings", "expire"], "EXPIRE_INTERVAL_SECONDS"),
    "tool-library-notify": (["notify"], "NOTIFY_INTERVAL_SECONDS"),
    "tool-library-backup": (["backup"], "BACKUP_INTERVAL_HOURS"),
}
# Names in deploy/ that are not the app's settings: PostgreSQL's image reads the first three,
# Python and the shell the next three, and UUID= is an fstab field in the README. Anything else
# must be a setting the app reads (or a name compose.yaml fills in from .env).
OTHERS_NAMES = {"POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD",
                "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PATH", "UUID"}
ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
A_SECRET_KEY = "k" * 48


# --- reading the files ---------------------------------------------------------------------


def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of a unit file, in order (no line continuations are used)."""
    entries, section = [], ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def unit_values(path: Path, key: str) -> list[str]:
    return [value for _section, name, value in unit_entries(path) if name == key]


def unit_environment(path: Path) -> dict[str, str]:
    """The Environment= assignments of a unit, as systemd splits them (quotes allowed)."""
    env = {}
    for value in unit_values(path, "Environment"):
        for word in shlex.split(value):
            name, _, setting = word.partition("=")
            env[name] = setting
    return env


def env_file(path: Path, *, with_commented: bool = False) -> dict[str, str]:
    """NAME=value lines, as systemd's EnvironmentFile= and compose's .env read them; with the
    commented-out examples (`#NAME=value`) too when asked."""
    pattern = re.compile(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)" if with_commented
                         else r"([A-Z][A-Z0-9_]*)=(.*)")
    env = {}
    for line in path.read_text().splitlines():
        if match := pattern.fullmatch(line.strip()):
            value = match[2].strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            env[match[1]] = value
    return env


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with the backslash continuations joined, comments dropped."""
    instructions, pending = [], ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#"):
            continue  # also inside a continued instruction, as docker reads it
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        if pending.strip():
            word, _, rest = pending.strip().partition(" ")
            instructions.append((word.upper(), " ".join(rest.split())))
        pending = ""
    return instructions


def dockerfile_env(path: Path) -> dict[str, str]:
    env = {}
    for instruction, arguments in dockerfile_instructions(path):
        if instruction == "ENV":
            for word in shlex.split(arguments):
                name, _, value = word.partition("=")
                env[name] = value
    return env


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def compose_interpolated() -> set[str]:
    """The names compose.yaml takes from .env (${NAME}, ${NAME:?message}, ${NAME:-default})."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (DOCKER / "compose.yaml").read_text()))


def names_the_app_reads() -> set[str]:
    """The environment variables rental/kernel/settings.py and toollib read: the constant
    first argument of os.environ.get/getenv, of the settings' own helpers (_int("NAME", ...))
    and of os.environ[...]."""
    names = set()
    sources = [PROJECT_ROOT / "rental" / "kernel" / "settings.py",
               *sorted((PROJECT_ROOT / "toollib").rglob("*.py"))]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and (
                    isinstance(node.func, ast.Name) and node.func.id.startswith("_")
                    or isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("get", "getenv", "pop", "setdefault")
                    and "environ" in ast.unparse(node.func) or "getenv" in ast.unparse(node)):
                candidate = node.args[0]
            elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
                candidate = node.slice
            else:
                continue
            if isinstance(candidate, ast.Constant) and isinstance(candidate.value, str) \
                    and ENV_NAME.fullmatch(candidate.value):
                names.add(candidate.value)
    return names


def installed_rental() -> Path:
    """This checkout's `rental` (the venv the tests run in), to stand in for INSTALLED_RENTAL."""
    beside = Path(sys.executable).parent / "rental"
    found = beside if beside.exists() else shutil.which("rental")
    if not found:
        pytest.skip("no `rental` command installed beside this Python: `pip install -e .`")
    return Path(found)


def units() -> list[Path]:
    return sorted([*UNITS.glob("*.service"), *UNITS.glob("*.timer")])


# --- the files against the app --------------------------------------------------------------


def test_the_units_run_rental_commands_that_exist():
    assert unit_values(SERVER_UNIT, "ExecStart") == [f"{INSTALLED_RENTAL} serve"]
    for name, (command, _setting) in TIMER_JOBS.items():
        service, timer = UNITS / f"{name}.service", UNITS / f"{name}.timer"
        assert service.exists() and timer.exists(), f"{name}: a service and its timer"
        assert unit_values(service, "Type") == ["oneshot"]
        assert unit_values(service, "ExecStart") == [f"{INSTALLED_RENTAL} {' '.join(command)}"]
        assert unit_values(timer, "OnCalendar"), f"{timer.name} says when"
        # argparse answers --help with 0 for a command it has, 2 for one it does not
        shown = subprocess.run([sys.executable, "-m", "toollib.cli", *command, "--help"],
                               capture_output=True, text=True, timeout=60, check=False)
        assert shown.returncode == 0, f"`rental {' '.join(command)}`: {shown.stderr}"
    assert {path.stem for path in UNITS.glob("*.timer")} == set(TIMER_JOBS)


def test_the_timers_take_their_jobs_out_of_the_server():
    environment = unit_environment(SERVER_UNIT)
    for _command, setting in TIMER_JOBS.values():
        assert environment.get(setting) == "0", f"{SERVER_UNIT.name}: {setting}=0"
    assert "WORKERS" in environment
    assert unit_values(SERVER_UNIT, "EnvironmentFile") == ["/etc/tool-library/env"]
    assert unit_values(SERVER_UNIT, "Restart") == ["on-failure"]
    for unit in UNITS.glob("*.service"):  # the jobs run as the server: same user and walls
        for key in ("User", "ProtectSystem", "PrivateTmp", "NoNewPrivileges", "ReadWritePaths",
                    "EnvironmentFile"):
            assert unit_values(unit, key) == unit_values(SERVER_UNIT, key), (unit.name, key)
    assert unit_values(SERVER_UNIT, "User") == ["tool-library"]
    var_dir = environment["VAR_DIR"]
    assert unit_values(SERVER_UNIT, "ReadWritePaths") == [var_dir]
    assert unit_values(SERVER_UNIT, "ProtectSystem") == ["strict"]


def test_the_rental_wrapper_runs_as_the_service_does():
    """deploy/systemd/rental runs `rental` by systemd-run (no systemd runs here to try it):
    the same user, settings file and VAR_DIR as the server."""
    wrapper = UNITS / "rental"
    text = wrapper.read_text()
    assert wrapper.stat().st_mode & 0o111, "executable"
    assert run("sh", "-n", str(wrapper)).returncode == 0
    environment = unit_environment(SERVER_UNIT)
    for expected in (f"--uid={unit_values(SERVER_UNIT, 'User')[0]}",
                     f"--gid={unit_values(SERVER_UNIT, 'Group')[0]}",
                     f"--property=EnvironmentFile={unit_values(SERVER_UNIT, 'EnvironmentFile')[0]}",
                     f"--setenv=VAR_DIR={environment['VAR_DIR']}",
                     f'{INSTALLED_RENTAL} "$@"'):
        assert expected in text


def test_every_deploy_path_the_files_mention_exists():
    mentioned = set()
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            mentioned |= set(re.findall(r"\bdeploy/[\w.*/-]*[\w*]", path.read_text()))
    assert len(mentioned) >= 5
    made_by_hand = {"deploy/docker/.env"}  # from env.example, filled in
    missing = [name for name in sorted(mentioned - made_by_hand)
               if not list(PROJECT_ROOT.glob(name))]
    assert not missing


def test_every_setting_deploy_names_is_one_the_app_reads():
    app_reads = names_the_app_reads()
    # the reader itself works: it finds settings read each way settings.py reads them
    assert {"SECRET_KEY", "TRUSTED_PROXIES", "EXPIRE_INTERVAL_SECONDS", "SECURE_COOKIES",
            "DATABASE_URL", "WORKERS"} <= app_reads
    filled_in = compose_interpolated()
    named: dict[str, set[str]] = {
        "docker/Dockerfile": set(dockerfile_env(DOCKER / "Dockerfile")),
        "docker/compose.yaml app": set(compose()["services"]["app"]["environment"]),
    }
    for unit in UNITS.glob("*.service"):
        named[unit.name] = set(unit_environment(unit))
    for path in DEPLOY.rglob("*.example"):
        named[str(path.relative_to(DEPLOY))] = set(env_file(path, with_commented=True))
    for path in DEPLOY.rglob("*"):  # NAME=, or a NAME_WITH_PARTS, in any other text
        if path.is_file() and path.suffix not in (".service", ".timer"):  # (AF_INET: no name)
            text = path.read_text()
            named[f"{path.relative_to(DEPLOY)} (text)"] = {
                *re.findall(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b", text),
                *re.findall(r"\b([A-Z][A-Z0-9_]*)=", text)}
    stale = {where: sorted(found - app_reads - filled_in - OTHERS_NAMES)
             for where, found in named.items()}
    assert not {where: found for where, found in stale.items() if found}, (
        "names the app does not read (renamed or removed settings?)")
    assert len(named) >= 20


def test_compose_gets_every_name_it_fills_in_from_the_example():
    example = env_file(DOCKER / "env.example")
    assert compose_interpolated() <= set(example)
    # required ones are empty in the example: compose refuses to start until they are set
    for name in ("SECRET_KEY", "POSTGRES_PASSWORD", "SITE_ADDRESS"):
        assert example[name] == "", f"{name}: no placeholder that would run"


def settings_from(monkeypatch, tmp_path, *layers: dict[str, str]):
    """load_settings() with nothing in the environment but these settings, later layers
    winning (as an EnvironmentFile wins over the unit's Environment=)."""
    for name in names_the_app_reads():
        monkeypatch.delenv(name, raising=False)
    for layer in layers:
        for name, value in layer.items():
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    return load_settings()


def test_the_single_pc_example_runs_as_it_is(monkeypatch, tmp_path):
    settings = settings_from(monkeypatch, tmp_path, unit_environment(SERVER_UNIT),
                             env_file(UNITS / "env.single-pc.example"))
    assert settings.database.engine == "sqlite"
    assert not settings.secure_cookies
    assert (settings.expire_interval_seconds, settings.notify_interval_seconds,
            settings.backup_interval_hours) == (0, 0, 0)
    assert (tmp_path / "var" / "secret_key").exists()  # made on the first start
    # and with its commented-out lines switched on (placeholders stay placeholders)
    settings = settings_from(monkeypatch, tmp_path, unit_environment(SERVER_UNIT),
                             env_file(UNITS / "env.single-pc.example", with_commented=True))
    assert settings.backups == Path("/media/tool-library-backup")
    assert settings.email and settings.sms


def test_the_network_example_refuses_to_run_with_its_placeholder_key(monkeypatch, tmp_path):
    example = env_file(UNITS / "env.network.example")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        settings_from(monkeypatch, tmp_path, unit_environment(SERVER_UNIT), example)
    settings = settings_from(monkeypatch, tmp_path, unit_environment(SERVER_UNIT), example,
                             {"SECRET_KEY": A_SECRET_KEY})
    assert settings.database.engine == "postgres"
    assert settings.secure_cookies
    assert settings.trusted_proxies
    assert settings.public_url.startswith("https://")


def test_the_compose_settings_run_once_filled_in(monkeypatch, tmp_path):
    filled = {"SITE_ADDRESS": "tools.example.ge", "POSTGRES_PASSWORD": "abc123",
              "SECRET_KEY": A_SECRET_KEY}

    def interpolate(value: str) -> str:
        return re.sub(r"\$\{([A-Z_]+)[^}]*\}", lambda match: filled[match[1]], value)

    app = compose()["services"]["app"]
    settings = settings_from(
        monkeypatch, tmp_path,
        {name: value for name, value in dockerfile_env(DOCKER / "Dockerfile").items()
         if name not in OTHERS_NAMES},
        {**env_file(DOCKER / "env.example"), **filled},
        {name: interpolate(str(value)) for name, value in app["environment"].items()})
    assert settings.database.engine == "postgres"
    assert settings.public_url == "https://tools.example.ge"
    assert settings.secure_cookies


def largest_form(app) -> int:
    """The largest request body any route of the app accepts, in bytes."""
    sizes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if resolve := getattr(handler, "resolve_request_max_body_size", None):
                sizes.append(resolve() or 0)
    return max(sizes)


def size_in_bytes(text: str) -> int:
    """26m (nginx: mebibytes), 26MiB or 26MB (Caddy: MiB binary, MB decimal)."""
    number, unit = re.fullmatch(r"(\d+)\s*([a-zA-Z]*)", text.strip()).groups()
    scale = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "kib": 1024, "mib": 1024**2,
             "gib": 1024**3, "kb": 1000, "mb": 1000**2, "gb": 1000**3}[unit.lower()]
    return int(number) * scale


def test_the_proxies_take_the_largest_form_the_app_takes(app):
    largest = largest_form(app)
    assert largest > 10_000_000  # a tool type's photo and manual: above Litestar's default
    nginx = re.findall(r"^\s*client_max_body_size\s+(\S+);", NGINX_SITE.read_text(), re.M)
    assert [size_in_bytes(size) for size in nginx] == [largest]
    for caddyfile in CADDYFILES:
        caddy = re.findall(r"^\s*max_size\s+(\S+)", caddyfile.read_text(), re.M)
        assert [size_in_bytes(size) for size in caddy] == [largest], caddyfile


def test_the_proxies_pass_the_headers_the_app_believes():
    site = NGINX_SITE.read_text()
    for header in ("X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "Host $host"):
        assert f"proxy_set_header {header};" in site
    assert "/etc/letsencrypt/live/" in site
    for caddyfile in CADDYFILES:  # Caddy sets X-Forwarded-* itself
        assert "reverse_proxy" in caddyfile.read_text()
        assert "health_uri /healthz" in caddyfile.read_text()


# --- the files through the programs that read them ------------------------------------------


def run(*command: str, timeout: int = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          check=False, **kwargs)


def test_systemd_analyze_verifies_every_unit(tmp_path):
    """`systemd-analyze verify` checks every key and value and that ExecStart is an
    executable, so the copies point ExecStart at this checkout's `rental` instead of
    /opt/tool-library/.venv/bin/rental; it warns, with exit status 0, about an unknown key,
    so any line it prints about our units fails the test."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not found (Debian package: systemd): units not verified")
    rental = installed_rental()
    copies = tmp_path / "units"
    shutil.copytree(UNITS, copies)
    for unit in copies.rglob("*"):
        if unit.is_file():
            unit.write_text(unit.read_text().replace(INSTALLED_RENTAL, str(rental)))
    names = [str(copies / path.name) for path in units()]
    verified = run("systemd-analyze", "verify", "--man=no", *names, cwd=copies)
    complaints = [line for line in (verified.stdout + verified.stderr).splitlines()
                  if "tool-library" in line or str(copies) in line]
    assert verified.returncode == 0 and not complaints, verified.stdout + verified.stderr

    # and it would have said so: a misspelt hardening key, a job whose program is missing
    broken = copies / "tool-library.service"
    broken.write_text(broken.read_text().replace("ProtectSystem=", "ProtectSystm="))
    job = copies / "tool-library-expire.service"
    job.write_text(job.read_text().replace(str(rental), str(tmp_path / "missing")))
    verified = run("systemd-analyze", "verify", "--man=no", str(broken), str(job), cwd=copies)
    said = verified.stdout + verified.stderr
    assert "ProtectSystm" in said and "missing" in said and verified.returncode != 0


def test_caddy_validates_both_caddyfiles(tmp_path):
    caddy = shutil.which("caddy")
    if not caddy:
        pytest.skip("caddy not found (Debian package: caddy): the Caddyfiles are not validated")
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"), "SITE_ADDRESS": "tools.example.ge"}
    for caddyfile in CADDYFILES:
        checked = run(caddy, "validate", "--adapter", "caddyfile", "--config", str(caddyfile),
                      env={"PATH": "/usr/bin:/bin", **home})
        assert checked.returncode == 0, f"{caddyfile}: {checked.stdout}{checked.stderr}"


def test_nginx_accepts_the_site(tmp_path):
    """The site inside a minimal nginx.conf, its certificate paths pointed at a self-signed
    certificate made here (certbot's files do not exist on a test machine)."""
    nginx = shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if Path(path).exists()), None)
    if not nginx:
        pytest.skip("nginx not found (Debian package: nginx): site not checked")
    if not shutil.which("openssl"):
        pytest.skip("openssl not found: no certificate to check the nginx site with")
    made = run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
               "-subj", "/CN=tools.example.ge", "-keyout", str(tmp_path / "privkey.pem"),
               "-out", str(tmp_path / "fullchain.pem"))
    assert made.returncode == 0, made.stderr
    site = NGINX_SITE.read_text().replace("/etc/letsencrypt/live/tools.example.ge", str(tmp_path))
    (tmp_path / "site.conf").write_text(site)
    temp = "\n".join(f"    {kind}_temp_path {tmp_path}/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {tmp_path}/site.conf;\n}}\n")
    checked = run(nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                  "-e", str(tmp_path / "error.log"))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_dockerfile_builds_a_non_root_image_that_migrates_serves_and_checks_its_health():
    """No daemon is needed to read a Dockerfile; docker itself reads it only to build (below)."""
    instructions = dockerfile_instructions(DOCKER / "Dockerfile")
    known = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK",
             "CMD", "ARG", "LABEL", "ENTRYPOINT"}
    assert {instruction for instruction, _ in instructions} <= known
    assert instructions[0][0] == "FROM"
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", instructions[0][1])
    kinds = [instruction for instruction, _ in instructions]
    user = [arguments for instruction, arguments in instructions if instruction == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert kinds.index("USER") < kinds.index("CMD")
    assert any("-e ." in arguments for instruction, arguments in instructions
               if instruction == "RUN"), "installed in place: templates are read from the tree"
    copied = {source for instruction, arguments in instructions if instruction == "COPY"
              for source in arguments.split()[:-1]}
    packages = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"][
        "setuptools"]["packages"]["find"]["include"]
    needed = {*(pattern.rstrip("*") for pattern in packages), "templates", "static",
              "pyproject.toml", "README.md"}
    assert needed <= copied, "every package, the templates and the static files"
    health = dict(instructions)["HEALTHCHECK"]
    assert "/healthz" in health and "CMD" in health
    command = " ".join(ast.literal_eval(dict(instructions)["CMD"]))
    assert re.search(r"rental migrate && exec rental serve", command)
    ignored = {line.strip() for line in (DOCKER / "Dockerfile.dockerignore").read_text()
               .splitlines() if line.strip() and not line.startswith("#")}
    assert not needed & ignored and {".venv", "var", ".git"} <= ignored
    assert all((PROJECT_ROOT / name).exists() for name in needed)


def docker_compose_works() -> bool:
    return bool(shutil.which("docker")) and run("docker", "compose", "version").returncode == 0


def test_the_compose_file_holds_the_app_postgresql_and_caddy(tmp_path):
    """`docker compose config` where the compose plugin is installed (it needs no daemon);
    the structure read with PyYAML (Litestar's dependency) everywhere."""
    services = compose()["services"]
    assert set(services) == {"app", "db", "caddy"}
    app, db, caddy = services["app"], services["db"], services["caddy"]
    build = (DOCKER / app["build"]["context"]).resolve()
    assert build == PROJECT_ROOT and (build / app["build"]["dockerfile"]).exists()
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["env_file"] == ".env"
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert {"80:80", "443:443"} <= set(caddy["ports"])
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in caddy["volumes"]}
    assert (DOCKER / mounts["/etc/caddy/Caddyfile"]).exists()
    assert {"/data", "/config"} <= set(mounts)
    named = set(compose()["volumes"])
    assert {source for source in mounts.values() if not source.startswith(".")} <= named
    # the app believes Caddy, and only Caddy, about the visitor's address
    caddy_address = caddy["networks"]["web"]["ipv4_address"]
    assert app["environment"]["TRUSTED_PROXIES"] == caddy_address
    subnet = compose()["networks"]["web"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(caddy_address) in ipaddress.ip_network(subnet)
    assert "ports" not in app and "ports" not in db  # only Caddy faces the network

    if not docker_compose_works():
        return  # the plugin is missing: the YAML above is what we can check
    project = tmp_path / "docker"
    shutil.copytree(DOCKER, project)
    copy = project / "compose.yaml"  # its build context, ../.., is the project from here too
    copy.write_text(copy.read_text().replace("context: ../..", f"context: {PROJECT_ROOT}"))
    example = (DOCKER / "env.example").read_text()
    filled = {"SITE_ADDRESS": "tools.example.ge", "POSTGRES_PASSWORD": "abc123",
              "SECRET_KEY": A_SECRET_KEY}
    (project / ".env").write_text(re.sub(r"^([A-Z_]+)=$", lambda match: f"{match[1]}="
                                         f"{filled.get(match[1], '')}", example, flags=re.M))
    checked = run("docker", "compose", "--project-directory", str(project), "-f",
                  str(project / "compose.yaml"), "config", "--quiet")
    assert checked.returncode == 0, checked.stderr


def test_the_image_builds():
    if not shutil.which("docker"):
        pytest.skip("no docker CLI: the image is not built")
    if run("docker", "info", timeout=30).returncode != 0:
        pytest.skip("no container runtime answers `docker info`: the image is not built")
    built = run("docker", "build", "-f", str(DOCKER / "Dockerfile"), "-t",
                "tool-library:deploy-test", str(PROJECT_ROOT), timeout=1800)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
