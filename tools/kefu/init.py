"""``kefu init DIR``: a company's own handbook repository, layered over the handbook kefu ships.

The company writes only what differs: its company file (name, estates, time
zone, shifts, overrides) and, in ``procedures/``, the items it adds or
replaces.  Everything else (the shipped content, templates, vendored scripts)
comes from the installed package, so upgrading kefu upgrades the handbook.
Nothing that exists is overwritten: a second run, or a folder with files of
its own, is refused with the names of the files in the way.
"""

from __future__ import annotations

import json
from pathlib import Path

from kefu import __version__
from kefu.load.handbook import SHIPPED

#: the hand-written home page the shipped site starts from (the company edits its copy)
HOME = Path(__file__).resolve().parent / "site" / "templates" / "home-page.md"


class InitError(Exception):
    """The folder cannot be set up (files in the way, not writable): one line for the user."""


def q(text: str) -> str:
    """A YAML string for any company name (YAML accepts JSON's double-quoted strings)."""
    return json.dumps(text, ensure_ascii=False)


def company_file(name: str, estate: str, timezone: str) -> str:
    """kefu.yaml with the company's basics and commented examples of what it may change."""
    return f"""\
# 公司文件：这本手册是谁的，公司改了什么。
# kefu 自带的手册（岗位、规程、话术、时限、表单）都在它之下：这里只写本公司不同的地方。
# 改完运行 `kefu lint` 检查，再 `mkdocs build --strict` 生成网站。

# procedures/ 里的内容叠加在 kefu 自带的手册之上：与自带条目同 id 的替换它（kefu lint 会提示），
# 新 id 的是本公司新增的。
base: shipped

company:
  name: {q(name)}
  estates:
    - name: {q(estate)}
  timezone: {q(timezone)}
  site_url: http://localhost:8000/   # 手册网站的地址（以 / 结尾）：检查结果链接到这里的时限说明
  holidays: []                       # 公司另放的假日，如 "2027-01-02"
  workdays: []                       # 公司另定的工作日（调休上班）
  shifts:                            # 班次：kefu new --shift 和 kefu check 用它确定班次的起止
    - {{name: 白班, start: "08:00", end: "20:00"}}
    - {{name: 夜班, start: "20:00", end: "08:00"}}

# 改自带时限（id 见手册的“时限一览”）。例：
#   complaint-crm-entry:
#     limit: {{value: 1, unit: hours}}      # 投诉 1 小时内录入 CRM
#   online-browsing:
#     enabled: false                      # 本小区没有业主论坛
rules: {{}}

# 改自带话术的措辞（id 见“话术库”）。例：
#   phone-greeting:
#     text: 您好，{{company}}客服中心，请问有什么可以帮您？
scripts: {{}}

# 本公司自己的话术
phrases: []

# 给值班记录加栏目。例：
# forms:
#   shift-log:
#     entry_fields:
#       - {{key: accepted_at, label: 工程部接单时间, type: time}}

# 本公司自己的时限。例：
# add_rules:
#   - id: repair-accept
#     title: 报修派单后 15 分钟内工程部接单
#     form: shift-log
#     when: {{type: 报修}}
#     start: dispatched_at
#     stop: accepted_at
#     limit: {{value: 15, unit: minutes}}
#     explain: 派单后工程部须在系统中确认接单；接单时间不晚于派单后 15 分钟即为按时。
"""


MKDOCS_YML = """\
# 手册网站：除首页（docs/index.md）外，每一页都由 kefu 插件从手册内容生成。
site_name: 客服手册
docs_dir: docs
site_dir: site
use_directory_urls: false
strict: true

theme:
  name: material
  language: zh
  font: false
  features:
    - navigation.prune
    - navigation.top
    - navigation.footer
    - search.highlight
    - toc.follow

extra:
  generator: false

plugins:
  - search
  - offline
  - kefu   # 读取 procedures/ 与 kefu.yaml（在自带手册之上）

markdown_extensions:
  - attr_list
  - md_in_html
  - tables
  - admonition
  - toc:
      permalink: true
"""


def readme(name: str) -> str:
    return f"""\
# {name} 客服手册

本仓库是 {name} 的客服手册，建立在 kefu 自带的物业客服手册之上（kefu 的安装包由维护 kefu 的同事提供，
文件名形如 `kefu-{__version__}-py3-none-any.whl`）。

- `kefu.yaml`：公司文件（公司名、小区、时区、班次，以及对自带时限和话术的修改）
- `procedures/`：本公司新增或替换的岗位、规程、话术、时限、表单（YAML，格式同 kefu 自带的手册）
- `docs/index.md`：手册首页
- `mkdocs.yml`：手册网站的设置

## 两条命令

第一次（安装 kefu，建议在虚拟环境里）：

```sh
python3 -m venv .venv && .venv/bin/pip install kefu-{__version__}-py3-none-any.whl   # 换成拿到的安装包的路径
```

检查内容、生成网站并在 http://localhost:8000/ 打开（也可以直接打开 `site/index.html`）：

```sh
.venv/bin/kefu lint && .venv/bin/mkdocs build --strict && .venv/bin/python -m http.server 8000 --directory site
```

值班记录的检查：`.venv/bin/kefu check 记录文件或文件夹`；空白记录：`.venv/bin/kefu new shift-log`。
"""


def init(target: Path, name: str, estate: str, timezone: str = "Asia/Shanghai") -> list[Path]:
    """Write the company's repository into ``target``; returns the files written."""
    files = {
        "kefu.yaml": company_file(name, estate, timezone),
        "mkdocs.yml": MKDOCS_YML,
        "README.md": readme(name),
        "docs/index.md": HOME.read_text(encoding="utf-8"),
        "procedures/README.md": (
            "本文件夹放本公司新增或替换的手册内容（*.yaml），格式同 kefu 自带的手册；\n"
            f"自带的内容在 {SHIPPED}（只读，随 kefu 升级）。\n"),
        ".gitignore": "site/\n.cache/\n.venv/\n",
    }
    in_the_way = [rel for rel in files if (target / rel).exists()]
    if in_the_way:
        raise InitError(f"{target}: 已有 {', '.join(in_the_way)}，未改动任何文件（请换一个空文件夹）")
    written = []
    try:
        for rel, text in files.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise InitError(f"{exc.filename or target}: 无法写入（{exc.strerror or exc}）") from None
    return written
