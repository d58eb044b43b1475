"""Tables for the Python taint analysis: dangerous calls, sanitisers and their kinds.

Names are fully qualified as the code imports them (``subprocess.run``,
``lxml.etree.fromstring``); an instance made by a known constructor is named after it
(``requests.Session().get`` is ``requests.Session.get``). Facts only; the logic that
reads them lives in ``taint.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


KINDS = ("command", "code", "deserialization", "sql", "nosql", "path", "ssrf", "template",
         "xxe")
ALL_KINDS = frozenset(KINDS)
NORMALISED = "path-normalised"
"""Marker (not a sink kind): a path made absolute and canonical. Only a following
``startswith(root)``-style check turns it into safe for ``path``."""


@dataclass(frozen=True, slots=True)
class Sink:
    kind: str
    args: tuple[int, ...] = (0,)
    """Positional arguments whose taint matters."""
    kwargs: tuple[str, ...] = ()
    """Keyword arguments whose taint matters."""


def _table(kind: str, names: str, args: tuple[int, ...] = (0,),
           kwargs: tuple[str, ...] = ()) -> dict[str, Sink]:
    return {name: Sink(kind, args, kwargs) for name in names.split()}


_HTTP_VERBS = "get post put patch delete head options"


def _http(prefix: str) -> str:
    return " ".join(f"{prefix}.{verb}" for verb in _HTTP_VERBS.split())


SINKS: dict[str, Sink] = {
    # command: subprocess.* is judged in taint.py (shell=True or the program itself)
    **_table("command", "os.system os.popen os.popen2 os.popen3 os.popen4 commands.getoutput "
             "commands.getstatusoutput subprocess.getoutput subprocess.getstatusoutput "
             "asyncio.create_subprocess_shell asyncio.create_subprocess_exec pty.spawn "
             "os.execl os.execle os.execlp os.execlpe os.execv os.execve os.execvp os.execvpe "
             "os.posix_spawn os.posix_spawnp", kwargs=("cmd", "command", "args", "path")),
    **_table("command", "os.spawnl os.spawnle os.spawnlp os.spawnlpe os.spawnv os.spawnve "
             "os.spawnvp os.spawnvpe", args=(1,)),
    **_table("code", "eval exec compile builtins.eval builtins.exec builtins.compile "
             "__import__ importlib.import_module importlib.__import__",
             kwargs=("source", "name")),
    **_table("deserialization", "pickle.loads pickle.load cPickle.loads cPickle.load "
             "_pickle.loads _pickle.load pickle.Unpickler dill.loads dill.load marshal.loads "
             "marshal.load jsonpickle.decode jsonpickle.loads shelve.open "
             "yaml.unsafe_load yaml.unsafe_load_all yaml.full_load yaml.full_load_all "
             "pandas.read_pickle joblib.load", kwargs=("data", "file", "string", "filename",
                                                       "stream", "s")),
    **_table("sql", "sqlalchemy.text sqlalchemy.sql.text sqlalchemy.sql.expression.text "
             "pandas.read_sql pandas.read_sql_query", kwargs=("text", "sql")),
    **_table("path", "open io.open codecs.open os.open os.remove os.unlink os.rmdir "
             "os.removedirs os.mkdir os.makedirs os.listdir os.scandir os.chmod os.chown "
             "os.truncate os.walk shutil.rmtree flask.send_file "
             "fastapi.responses.FileResponse starlette.responses.FileResponse",
             kwargs=("file", "path", "filename", "path_or_file")),
    **_table("path", "os.rename os.replace os.link os.symlink shutil.copy shutil.copy2 "
             "shutil.copyfile shutil.copytree shutil.move shutil.unpack_archive",
             args=(0, 1), kwargs=("src", "dst", "filename", "extract_dir")),
    **_table("ssrf", " ".join([_http("requests"), _http("requests.Session"),
                               _http("requests.session"), _http("httpx"),
                               _http("httpx.Client"), _http("httpx.AsyncClient"),
                               _http("aiohttp.ClientSession"),
                               "urllib.request.urlopen urllib.request.urlretrieve "
                               "urllib.urlopen urllib2.urlopen http.client.HTTPConnection "
                               "http.client.HTTPSConnection"]), kwargs=("url", "host")),
    **_table("ssrf", "requests.request requests.Session.request requests.session.request "
             "httpx.request httpx.Client.request httpx.AsyncClient.request "
             "aiohttp.ClientSession.request urllib3.request urllib3.PoolManager.request "
             "urllib3.PoolManager.urlopen", args=(1,), kwargs=("url",)),
    **_table("template", "jinja2.Template jinja2.Environment.from_string "
             "jinja2.environment.Environment.from_string mako.template.Template "
             "flask.render_template_string django.template.Template "
             "django.template.engines.from_string", kwargs=("source", "text")),
    **_table("xxe", "xml.dom.minidom.parseString xml.dom.minidom.parse "
             "xml.dom.pulldom.parseString xml.dom.pulldom.parse xml.sax.parseString "
             "xml.sax.parse xml.etree.ElementTree.fromstring xml.etree.ElementTree.XML "
             "xml.etree.ElementTree.parse xml.etree.ElementTree.iterparse "
             "xml.etree.cElementTree.fromstring xml.etree.cElementTree.parse",
             kwargs=("string", "source", "text", "file")),
}

BUILDERS = frozenset({"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
                      "pickle.Unpickler"})
"""Sinks that build an object (a query, an unpickler) which is used later: the flow is
reported where it is built, and not again where the object is run."""
SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call",
                        "subprocess.check_output", "subprocess.Popen"})
"""Dangerous when ``shell=True`` or when the program (first element) is tainted."""
YAML_LOAD = frozenset({"yaml.load", "yaml.load_all"})
"""Dangerous unless the loader is a safe one."""
SAFE_YAML_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")
LXML_PARSE = frozenset({"lxml.etree.fromstring", "lxml.etree.XML", "lxml.etree.parse",
                        "lxml.etree.iterparse", "lxml.etree.fromstringlist"})
"""Dangerous unless given a parser built with ``resolve_entities=False``."""
LXML_PARSER = frozenset({"lxml.etree.XMLParser"})

SQL_METHODS = frozenset({"execute", "executemany", "executescript", "mogrify"})
"""DB-API cursor and connection methods (sqlite3, psycopg, pymysql, mysql.connector) and
SQLAlchemy ``Connection``/``Session.execute``: the first argument is the query."""
SQL_KWARGS = ("sql", "query", "operation", "statement")
PARTIQL_METHODS = frozenset({"execute_statement", "batch_execute_statement",
                             "execute_transaction"})
"""``dynamodb.execute_statement(Statement=...)`` is PartiQL (nosql); RDS Data API's
``execute_statement(sql=...)`` is SQL."""
DYNAMO_EXPRESSIONS = ("FilterExpression", "KeyConditionExpression", "ConditionExpression",
                      "ProjectionExpression", "UpdateExpression")
DYNAMO_CONDITIONS = ("boto3.dynamodb.conditions.",)
"""``Key(...).eq(x)`` / ``Attr(...)`` build expressions with placeholders: safe."""
MONGO_MODULES = frozenset({"pymongo", "motor", "mongomock", "mongoengine"})
MONGO_METHODS = frozenset({"find", "find_one", "find_one_and_delete", "find_one_and_replace",
                           "find_one_and_update", "delete_one", "delete_many", "update_one",
                           "update_many", "replace_one", "count_documents", "aggregate",
                           "distinct"})
PATH_RECEIVER_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes",
                                   "unlink", "rmdir", "mkdir", "touch", "iterdir", "open",
                                   "rename", "symlink_to", "hardlink_to",
                                   "extractall", "extract"})
"""Methods that touch the file system through their (tainted) receiver: ``pathlib.Path``
and archives opened from attacker data."""
ARCHIVE_EXTRACT = frozenset({"extractall", "extract"})
S3_DOWNLOAD = frozenset({"download_file"})
"""``s3.download_file(bucket, key, filename)``: a tainted local filename."""

SANITIZE_ALL = frozenset({
    "int", "float", "bool", "complex", "len", "abs", "round", "hash", "id", "isinstance",
    "issubclass", "uuid.UUID", "decimal.Decimal", "datetime.date.fromisoformat",
    "datetime.datetime.fromisoformat", "datetime.datetime.strptime",
    "ipaddress.ip_address", "ipaddress.ip_network", "ipaddress.IPv4Address",
    "ipaddress.IPv6Address", "hashlib.sha256", "hashlib.sha1", "hashlib.md5",
    "hmac.new", "hmac.compare_digest", "secrets.compare_digest",
})
"""The result carries none of the argument's text an attacker could shape."""
SANITIZE_FOR: dict[str, frozenset[str]] = {
    "shlex.quote": frozenset({"command"}),
    "pipes.quote": frozenset({"command"}),
    "shlex.split": frozenset({"command"}),
    "shlex.join": frozenset({"command"}),
    "os.path.basename": frozenset({"path"}),
    "posixpath.basename": frozenset({"path"}),
    "werkzeug.utils.secure_filename": frozenset({"path"}),
    "html.escape": frozenset({"template"}),
    "markupsafe.escape": frozenset({"template"}),
    "markupsafe.Markup.escape": frozenset({"template"}),
    "jinja2.escape": frozenset({"template"}),
    "bleach.clean": frozenset({"template"}),
    "cgi.escape": frozenset({"template"}),
    "os.path.realpath": frozenset({NORMALISED}),
    "os.path.abspath": frozenset({NORMALISED}),
    "os.path.normpath": frozenset({NORMALISED}),
    "posixpath.normpath": frozenset({NORMALISED}),
    "posixpath.realpath": frozenset({NORMALISED}),
}
NORMALISING_METHODS = frozenset({"resolve", "absolute"})
"""``Path(...).resolve()``."""
PATH_CHECKS = frozenset({"startswith", "is_relative_to"})
"""``p.startswith(root)`` after normalisation confines ``p`` to ``root``."""
VALIDATING_METHODS = frozenset({"isdigit", "isdecimal", "isnumeric", "isalnum", "isalpha",
                                "isidentifier"})
MUTATORS = frozenset({"append", "extend", "insert", "add", "update", "appendleft",
                      "extendleft", "setdefault", "put", "put_nowait"})
"""Container methods that store their arguments in the receiver."""
BOOLEAN_METHODS = frozenset({"startswith", "endswith", "count", "find", "rfind", "index",
                             "rindex", "isdigit", "isdecimal", "isnumeric", "isalnum",
                             "isalpha", "isidentifier", "islower", "isupper", "isspace",
                             "is_relative_to", "exists", "is_file", "is_dir"})
"""Methods whose result is a number or a boolean, whatever the receiver."""
