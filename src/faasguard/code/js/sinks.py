"""Dangerous calls in Node.js code, keyed by the dotted name ``names.qualify`` gives.

Each sink says which arguments must not carry event data. Calls whose danger depends
on the arguments (``spawn`` with ``shell: true``, ``parseXml`` with ``noent``, SQL
methods only where a SQL driver is imported) are decided in ``taint.py``.

js-yaml: ``load`` is safe from js-yaml 4 on (its default schema has no ``!!js/*``
types) and unsafe in 3.x, where ``load`` defaulted to ``DEFAULT_FULL_SCHEMA``; so a
``load``/``loadAll`` call is a sink when the code passes ``DEFAULT_FULL_SCHEMA`` or the
project's package.json asks for js-yaml below 4. ``safeLoad`` never is.
serialize-javascript only writes; reading its output back with ``eval`` is the
``eval`` sink.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass


ANY = -1
"""Argument position meaning "every argument"."""


@dataclass(frozen=True, slots=True)
class Sink:
    kind: str
    args: tuple[int, ...] = (0,)


def _table(kind: str, names: str, args: tuple[int, ...] = (0,)) -> dict[str, Sink]:
    return {name: Sink(kind, args) for name in names.split()}


SINKS: dict[str, Sink] = {
    **_table("command", "child_process.exec child_process.execSync child_process.execFile "
             "child_process.execFileSync shelljs.exec execa.command execa.execaCommand "
             "execa.execaCommandSync execa.commandSync"),
    **_table("code", "eval vm.runInNewContext vm.runInThisContext vm.runInContext "
             "vm.compileFunction vm.Script"),
    **_table("code", "Function", (ANY,)),
    **_table("deserialization", "node-serialize.unserialize serialize-to-js.deserialize "
             "funcster.deepDeserialize"),
    **_table("path", " ".join(
        f"{module}.{name}" for module in ("fs", "fs.promises", "fs-extra")
        for name in ("readFile", "readFileSync", "createReadStream", "createWriteStream",
                     "writeFile", "writeFileSync", "appendFile", "appendFileSync", "unlink",
                     "unlinkSync", "rm", "rmSync", "rmdir", "rmdirSync", "readdir",
                     "readdirSync", "open", "openSync", "copyFile", "copyFileSync",
                     "rename", "renameSync", "remove", "removeSync", "outputFile",
                     "readJson", "readJSON", "readJsonSync", "sendFile"))),
    **_table("ssrf", "fetch node-fetch undici.fetch undici.request got got.get got.post "
             "got.put got.delete got.stream axios axios.get axios.post axios.put "
             "axios.patch axios.delete axios.head axios.options axios.request http.get "
             "http.request https.get https.request request request.get request.post "
             "superagent superagent.get superagent.post needle.get"),
    **_table("template", "ejs.render ejs.compile pug.compile pug.render jade.compile "
             "jade.render handlebars.compile handlebars.precompile "
             "lodash.template underscore.template nunjucks.renderString dot.template "
             "doT.template lodash/template"),
    **_table("xxe", "libxmljs.parseXml libxmljs.parseXmlString libxmljs2.parseXml "
             "libxmljs2.parseXmlString"),
}

SPAWN = frozenset({"child_process.spawn", "child_process.spawnSync", "execa", "execa.sync",
                   "execa.execa"})
"""Command sinks for their first argument, and for every argument with ``shell: true``."""
TIMERS = frozenset({"setTimeout", "setInterval", "setImmediate"})
"""Code sinks when given a string instead of a function."""
YAML_LOADS = frozenset({"js-yaml.load", "js-yaml.loadAll", "yaml.load"})

SQL_MODULES = frozenset({"mysql", "mysql2", "mysql2/promise", "pg", "pg-pool", "knex",
                         "sequelize", "sqlite3", "better-sqlite3", "mssql", "tedious",
                         "oracledb", "postgres", "@databases/pg", "@databases/mysql",
                         "serverless-mysql", "@prisma/client", "data-api-client",
                         "typeorm", "slonik", "sqlite"})
SQL_METHODS = frozenset({"query", "execute", "raw", "prepare", "exec", "unsafe",
                         "whereRaw", "havingRaw", "orderByRaw", "joinRaw", "$queryRawUnsafe",
                         "$executeRawUnsafe", "all", "run"})
SQL_TEXT_KEYS = ("text", "sql", "query")
"""Where an options object passed to a SQL method holds the statement."""

MONGO_MODULES = frozenset({"mongodb", "mongoose", "monk", "mongojs"})
MONGO_METHODS = frozenset({"find", "findOne", "findOneAndUpdate", "findOneAndDelete",
                           "findOneAndReplace", "updateOne", "updateMany", "deleteOne",
                           "deleteMany", "countDocuments", "count", "where", "aggregate",
                           "replaceOne", "distinct"})
DYNAMO_EXPRESSION_KEYS = frozenset({"FilterExpression", "KeyConditionExpression",
                                    "UpdateExpression", "ConditionExpression",
                                    "ProjectionExpression", "Statement"})
AWS_MODULE_PREFIXES = ("aws-sdk", "@aws-sdk/")

SANITIZERS = frozenset({
    "parseInt", "parseFloat", "Number", "Boolean", "Number.parseInt", "Number.parseFloat",
    "Math.floor", "Math.round", "Math.ceil", "Math.abs", "Math.min", "Math.max",
    "encodeURIComponent", "path.basename", "shell-quote.quote", "shell-escape",
    "shellescape", "mysql.escape", "mysql2.escape", "mysql.escapeId", "mysql2.escapeId",
    "sqlstring.escape", "sqlstring.escapeId", "pg-format", "pg.escapeLiteral",
    "validator.escape", "validator.toInt", "validator.toFloat", "validator.toBoolean",
    "escape-html", "he.encode", "lodash.escape", "xss", "DOMPurify.sanitize",
    "crypto.createHash", "uuid.v4", "Date.parse", "isNaN", "Array.isArray",
    "mongo-sanitize", "express-mongo-sanitize.sanitize",
})
SANITIZER_METHODS = frozenset({"escape", "escapeId", "escapeLiteral", "escapeIdentifier",
                               "quote", "length", "indexOf", "includes", "test",
                               "startsWith", "endsWith", "toFixed", "getTime", "digest",
                               "localeCompare", "has"})
PROPAGATORS = frozenset({
    "JSON.parse", "JSON.stringify", "String", "decodeURIComponent", "decodeURI",
    "unescape", "Buffer.from", "Object.assign", "Object.values", "Object.entries",
    "Object.keys", "Object.fromEntries",
    "Array.from", "querystring.parse", "qs.parse", "url.parse", "path.join",
    "path.resolve", "path.normalize", "util.format", "URL", "URLSearchParams",
    "atob", "Buffer.concat", "structuredClone", "util.inspect", "lodash.merge",
    "lodash.get", "Promise.resolve",
})
"""Calls whose result carries their arguments' data."""
PROPAGATING_MODULES = frozenset({"path", "util", "querystring", "url", "qs"})
PROPAGATING_FUNCTIONS = frozenset({"join", "resolve", "normalize", "format", "parse"})
SANITIZER_MODULES = frozenset({"shell-quote", "shell-escape", "sqlstring", "pg-format"})
"""Packages whose every function escapes or quotes."""


def propagates(name: str) -> bool:
    head, _, last = name.rpartition(".")
    return name in PROPAGATORS or (head in PROPAGATING_MODULES
                                   and last in PROPAGATING_FUNCTIONS)
JOINING_METHODS = frozenset({"concat", "replace", "replaceAll", "push", "unshift", "append",
                             "set", "padStart", "padEnd"})
"""Methods whose result (or receiver) takes in their arguments: ``'ls '.concat(x)``."""
ITERATORS = frozenset({"map", "forEach", "filter", "flatMap", "find", "some", "every",
                       "reduce", "then", "catch", "finally", "sort", "findLast"})
"""Methods that call a callback with the receiver's data."""
CHECKS = frozenset({"includes", "has", "test", "startsWith", "match", "isValid",
                    "indexOf", "validate", "isSafeInteger", "isInteger", "isFinite",
                    "isUUID", "isEmail", "isAlphanumeric", "isAlpha", "isNumeric",
                    "isInt", "isURL", "isIn", "isHexadecimal", "isMongoId", "matches"})
"""Methods and functions that, in an ``if`` condition, vet the value they are given."""
