"""Where LanguageTool is installed, and installing it (``cleaner languagetool install``).

``<home>`` is ``$CLEANER_LANGUAGETOOL_HOME`` if set, else the first of the user cache
(``~/.cache/cleaner/languagetool``) and a checkout's ``.cache/languagetool`` that holds an
install, else the user cache. Each version lives in ``<home>/<version>/lib``, resolved from
Maven Central with Maven (``make setup`` runs ``scripts/install-languagetool.sh``, which writes
the same POM).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cleaner.cache import user_cache_dir
from cleaner.languagetool.settings import HOME_ENV, LANGUAGETOOL_VERSION, LanguageToolError


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def user_home() -> Path:
    """The per-user install folder: ``$XDG_CACHE_HOME/cleaner/languagetool``."""
    return user_cache_dir("languagetool")


def checkout_home() -> Path:
    return repo_root() / ".cache" / "languagetool"


def languagetool_home() -> Path:
    """Folder holding one sub-folder per installed version, and the server's state file."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    for candidate in (user_home(), checkout_home()):
        if is_installed(candidate):
            return candidate
    return user_home()


def install_dir(home: Path | None = None, version: str = LANGUAGETOOL_VERSION) -> Path:
    return (home or languagetool_home()) / version


def is_installed(home: Path | None = None, version: str = LANGUAGETOOL_VERSION) -> bool:
    folder = install_dir(home, version)
    marker = folder / "INSTALLED"
    try:
        return marker.read_text(encoding="utf-8").strip() == version and (folder / "lib").is_dir()
    except OSError:
        return False


POM = """\
<?xml version="1.0" encoding="UTF-8"?>
<!--
  Resolves a pinned LanguageTool HTTP server with English only, from Maven Central.
  Used by scripts/install-languagetool.sh (`make languagetool`); nothing is built here.
  `cleaner languagetool install` writes the same file (cleaner/languagetool/install.py POM; a test
  checks the two agree).
  language-all (every language, hundreds of MB) is excluded: cleaner applies fixes in English
  only. language-es, -ca and -pt stay: the server's language identifier (CommonWordsDetector)
  looks these three up in a static initializer and the server dies at start without them.
-->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>cleaner</groupId>
  <artifactId>cleaner-languagetool</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <properties>
    <!-- The one place the version is pinned: the install script and cleaner/languagetool
         (LANGUAGETOOL_VERSION, checked by a test) must agree with it. -->
    <languagetool.version>{version}</languagetool.version>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.languagetool</groupId>
      <artifactId>languagetool-server</artifactId>
      <version>${{languagetool.version}}</version>
      <exclusions>
        <exclusion>
          <groupId>org.languagetool</groupId>
          <artifactId>language-all</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
{languages}  </dependencies>
  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <groupId>org.apache.maven.plugins</groupId>
          <artifactId>maven-dependency-plugin</artifactId>
          <version>3.6.1</version>
        </plugin>
      </plugins>
    </pluginManagement>
  </build>
</project>
"""
POM_LANGUAGES = ("en", "es", "ca", "pt")


def render_pom(version: str = LANGUAGETOOL_VERSION) -> str:
    languages = "".join(
        "    <dependency>\n"
        "      <groupId>org.languagetool</groupId>\n"
        f"      <artifactId>language-{code}</artifactId>\n"
        "      <version>${languagetool.version}</version>\n"
        "    </dependency>\n"
        for code in POM_LANGUAGES
    )
    return POM.format(version=version, languages=languages)


def java_major_version(java: str) -> int | None:
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return None
    for token in (out.stderr + out.stdout).split('"')[1:2]:
        head = token.split(".")[0]
        if head.isdigit():
            return int(head)
    return None


def install(
    home: Path | None = None,
    version: str = LANGUAGETOOL_VERSION,
    echo: Callable[[str], None] = print,
) -> Path:
    """Install LanguageTool ``version`` into ``<home>/<version>/lib`` (a quick no-op when it is
    there). Needs Java 17+ and Maven; raises :class:`LanguageToolError` saying what is
    missing. An interrupted install leaves no ``lib`` that looks complete."""
    home = home or (Path(os.environ[HOME_ENV]) if os.environ.get(HOME_ENV) else user_home())
    dest = install_dir(home, version)
    if is_installed(home, version):
        echo(f"LanguageTool {version} already installed in {dest}")
        return dest
    java = find_java()
    major = java_major_version(java)
    if major is None or major < 17:
        raise LanguageToolError(
            f"LanguageTool {version} needs Java 17 or newer; {java} is version {major or 'unknown'}"
        )
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LanguageToolError(
            "'mvn' (Maven) not found; it resolves LanguageTool's jars from Maven Central "
            "(Debian/Ubuntu: apt-get install maven)"
        )
    echo(f"Installing LanguageTool {version} from Maven Central into {dest} ...")
    started = time.monotonic()
    dest.mkdir(parents=True, exist_ok=True)
    partial = dest / "lib.partial"
    shutil.rmtree(partial, ignore_errors=True)
    log = dest / "maven.log"
    with tempfile.TemporaryDirectory() as work:
        pom = Path(work) / "pom.xml"
        pom.write_text(render_pom(version), encoding="utf-8")
        with log.open("wb") as log_file:
            done = subprocess.run(
                [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(pom),
                 "dependency:copy-dependencies", "-DincludeScope=runtime",
                 f"-DoutputDirectory={partial}"],
                stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False,
            )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise LanguageToolError(
            f"Maven could not resolve LanguageTool {version} (is Maven Central reachable?); "
            f"see {log}:\n{log_tail(log)}"
        )
    shutil.rmtree(dest / "lib", ignore_errors=True)
    partial.rename(dest / "lib")
    (dest / "INSTALLED").write_text(version + "\n", encoding="utf-8")
    jars = len(list((dest / "lib").glob("*.jar")))
    echo(
        f"LanguageTool {version} installed: {jars} jars in {time.monotonic() - started:.0f} s "
        f"({dest / 'lib'})"
    )
    return dest


def find_java() -> str:
    """The ``java`` executable: ``$JAVA_HOME/bin/java`` first, then ``java`` on the PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise LanguageToolError(
            "cannot start LanguageTool: 'java' (17 or newer) was not found on the PATH "
            "and JAVA_HOME is not set; install Java, or skip the stage with `--skip grammar`"
        )
    return found


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
