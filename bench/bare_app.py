"""The yardstick for the catalogue's throughput: a bare Litestar page rendered by Jinja, no
database, served the way `rental serve` serves the app (granian, ASGI, N workers).

    python -m bench.bare_app --port 8101 --workers 2"""

from __future__ import annotations

import argparse

from jinja2 import Environment
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

PAGE = """<!doctype html>
<html lang="ka"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><ul>
{% for item in items %}<li><a href="/tool-types/{{ item.id }}">{{ item.name }}</a>
  <span>{{ item.free }}</span></li>
{% endfor %}</ul></main></body></html>"""

ITEMS = [{"id": n, "name": f"ხელსაწყო {n}", "free": n % 4} for n in range(24)]


@get("/", sync_to_thread=False)
def page() -> Template:
    return Template(template_str=PAGE, context={"title": "კატალოგი", "items": ITEMS})


app = Litestar(route_handlers=[page], template_config=TemplateConfig(
    engine=JinjaTemplateEngine.from_environment(Environment(autoescape=True))))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from granian import Granian
    from granian.constants import Interfaces

    Granian("bench.bare_app:app", interface=Interfaces.ASGI, address=args.host, port=args.port,
            workers=args.workers, respawn_failed_workers=True).serve()


if __name__ == "__main__":
    main()
