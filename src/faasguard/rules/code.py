"""Rules over what the handler code does: injection flows from the event (D1), unbounded
reads (D2), error details in responses (D3), sensitive data in logs (D4) and hard-coded
secrets in code (B3).

Every rule reads ``ctx.code(app, fn)``, which is language-neutral: the Python and the
JavaScript front ends fill the same ``FunctionCode``. A finding points at the line of
the sink (or of the issue) in the code file and carries the data-flow steps as
``evidence["flow"]`` (rendered as SARIF ``codeFlows``).
"""

from __future__ import annotations

from collections.abc import Iterator

from faasguard.code.facts import CodeIssue, TaintFlow
from faasguard.findings import Subject
from faasguard.model import App, Function
from faasguard.rules.registry import Context, Hit, rule

RULE_FOR_SINK = {
    "command": "FG-INJ-001",
    "code": "FG-INJ-002",
    "deserialization": "FG-INJ-003",
    "sql": "FG-INJ-004",
    "nosql": "FG-INJ-005",
    "path": "FG-INJ-006",
    "ssrf": "FG-INJ-007",
    "template": "FG-INJ-008",
    "xxe": "FG-INJ-009",
}
RULE_FOR_ISSUE = {
    "unbounded-select": "FG-CODE-001",
    "table-scan": "FG-CODE-002",
    "error-leak": "FG-CODE-003",
    "sensitive-log": "FG-CODE-004",
    "hardcoded-secret": "FG-SEC-005",
}
_WHAT = {
    "command": "a shell or process command",
    "code": "code that is evaluated",
    "deserialization": "an unsafe deserialiser",
    "sql": "an SQL statement built as text",
    "nosql": "a NoSQL query expression",
    "path": "a file-system path",
    "ssrf": "the URL of an outbound request",
    "template": "template source",
    "xxe": "an XML parser that expands entities",
}


def _subject(fn: Function) -> Subject:
    return Subject("function", fn.id, fn.display_name, fn.id)


def flow_evidence(flow: TaintFlow) -> dict[str, object]:
    return {"source": flow.source, "sink": flow.sink, "sink_kind": flow.sink_kind,
            "flow": [{"file": s.loc.file, "line": s.loc.line, "note": s.note}
                     for s in flow.steps]}


def _flows(app: App, ctx: Context, kind: str) -> Iterator[Hit]:
    for fn in app.functions:
        code = ctx.code(app, fn)
        for flow in code.flows:
            if flow.sink_kind != kind:
                continue
            yield Hit(f"{fn.display_name}: event data from {flow.source} reaches "
                      f"{_WHAT[kind]}, {flow.sink}, at {flow.loc} with no sanitiser on "
                      f"the way ({len(flow.steps)} steps).",
                      flow.loc, _subject(fn), detail=f"{flow.loc}:{flow.sink}",
                      evidence=flow_evidence(flow))


def _issues(app: App, ctx: Context, kind: str) -> Iterator[Hit]:
    for fn in app.functions:
        code = ctx.code(app, fn)
        for issue in code.issues:
            if issue.kind == kind:
                yield _issue_hit(fn, issue)


def _issue_hit(fn: Function, issue: CodeIssue) -> Hit:
    return Hit(f"{fn.display_name}: {issue.message} at {issue.loc}.", issue.loc,
               _subject(fn), detail=f"{issue.loc}", evidence=dict(issue.evidence))


# --- D1: injection from the event ---------------------------------------------------------


@rule(id="FG-INJ-001", title="Event data reaches a shell or process command",
      severity="critical", category="code", controls=("D1",), cwe=(78,))
def command_injection(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Follows data from the handler's event (body, headers, query and path parameters,
    S3 keys, queue and stream records), through assignments, string building and
    calls into project functions, to `os.system`, `os.popen`, `subprocess` with
    `shell=True` or a program chosen by the input, `os.exec*` and
    `asyncio.create_subprocess_*`. `shlex.quote`, `int()` and allow-list checks stop
    the flow.

    ## Why is this bad?
    Anyone who can send an event runs commands in the function's sandbox, with its
    role's credentials in the environment (CWE-78).

    ## Example
    ```python
    def handler(event, context):
        name = event["queryStringParameters"]["file"]
        os.system(f"convert /tmp/{name} /tmp/out.png")
    ```

    ## Fix
    ```python
    def handler(event, context):
        name = os.path.basename(event["queryStringParameters"]["file"])
        subprocess.run(["convert", f"/tmp/{name}", "/tmp/out.png"], check=True)
    ```
    Pass an argument list without a shell, quote with `shlex.quote` when a shell is
    unavoidable, and check values against an allow-list.
    """
    return _flows(app, ctx, "command")


@rule(id="FG-INJ-002", title="Event data is evaluated as code",
      severity="critical", category="code", controls=("D1",), cwe=(94, 95))
def code_injection(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports event data that reaches `eval`, `exec`, `compile`,
    `importlib.import_module` or `__import__` (in JavaScript: `eval`, `Function`,
    `vm`).

    ## Why is this bad?
    The caller chooses the code the function runs (CWE-94).

    ## Example
    ```python
    result = eval(event["body"])
    ```

    ## Fix
    ```python
    result = ast.literal_eval(event["body"])  # or json.loads
    ```
    Parse data with a data parser; map names to functions with a dictionary.
    """
    return _flows(app, ctx, "code")


@rule(id="FG-INJ-003", title="Event data reaches an unsafe deserialiser",
      severity="critical", category="code", controls=("D1",), cwe=(502,))
def unsafe_deserialization(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports event data that reaches `pickle`, `marshal`, `dill`, `shelve`,
    `jsonpickle`, or `yaml.load` without a safe loader (`yaml.unsafe_load`,
    `yaml.full_load`), and `node-serialize` in JavaScript.

    ## Why is this bad?
    These formats can name objects to build and functions to call: deserialising
    untrusted bytes runs the attacker's code (CWE-502).

    ## Example
    ```python
    order = pickle.loads(base64.b64decode(event["body"]))
    ```

    ## Fix
    ```python
    order = json.loads(event["body"])
    ```
    Use JSON or `yaml.safe_load` for data from outside.
    """
    return _flows(app, ctx, "deserialization")


@rule(id="FG-INJ-004", title="Event data builds an SQL statement",
      severity="high", category="code", controls=("D1",), cwe=(89,))
def sql_injection(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports SQL text built from event data with f-strings, `%`, `.format` or `+` and run
    by `cursor.execute`/`executemany` (sqlite3, psycopg, pymysql, mysql.connector),
    SQLAlchemy `text()`/`execute()`, `pandas.read_sql` or the RDS Data API. Values
    passed as query parameters are safe and not reported.

    ## Why is this bad?
    The caller rewrites the query: reads other users' rows, changes or deletes data
    (CWE-89).

    ## Example
    ```python
    cur.execute(f"SELECT * FROM orders WHERE id = '{event['pathParameters']['id']}'")
    ```

    ## Fix
    ```python
    cur.execute("SELECT * FROM orders WHERE id = %s", (event["pathParameters"]["id"],))
    ```
    """
    return _flows(app, ctx, "sql")


@rule(id="FG-INJ-005", title="Event data builds a NoSQL query expression",
      severity="high", category="code", controls=("D1",), cwe=(943,))
def nosql_injection(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports DynamoDB `FilterExpression`, `KeyConditionExpression`,
    `ConditionExpression`, `ProjectionExpression` and `UpdateExpression` strings and
    PartiQL statements built from event data, and MongoDB queries whose operators or
    `$where` code come from the event.

    ## Why is this bad?
    The caller changes what the query matches or updates: other tenants' items,
    conditions that always hold, JavaScript run by the database (CWE-943).

    ## Example
    ```python
    table.scan(FilterExpression=f"owner = {event['queryStringParameters']['owner']}")
    ```

    ## Fix
    ```python
    table.scan(FilterExpression=Attr("owner").eq(event["queryStringParameters"]["owner"]))
    ```
    Use `boto3.dynamodb.conditions` or `ExpressionAttributeValues` placeholders.
    """
    return _flows(app, ctx, "nosql")


@rule(id="FG-INJ-006", title="Event data chooses a file-system path",
      severity="high", category="code", controls=("D1",), cwe=(22,))
def path_traversal(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports event data (an S3 object key, a query parameter) used as a path for
    `open`, `os.remove`, `shutil`, `pathlib.Path` operations, `send_file`,
    `s3.download_file(..., Filename)` or archive extraction. `os.path.basename` or a
    normalised path checked with `startswith(root)` stops the flow.

    ## Why is this bad?
    `../` in the input reads or overwrites files outside the intended folder, such as
    the function's code or `/proc/self/environ` with its credentials (CWE-22).

    ## Example
    ```python
    key = record["s3"]["object"]["key"]
    s3.download_file(bucket, key, f"/tmp/{key}")
    ```

    ## Fix
    ```python
    s3.download_file(bucket, key, f"/tmp/{os.path.basename(key)}")
    ```
    """
    return _flows(app, ctx, "path")


@rule(id="FG-INJ-007", title="Event data chooses the target of an outbound request",
      severity="high", category="code", controls=("D1",), cwe=(918,))
def ssrf(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports event data that decides the URL or host of `requests`, `httpx`,
    `urllib.request.urlopen`, `urllib3` or `aiohttp` calls. A URL whose scheme and
    host are fixed in the code (`f"https://api.example.com/items/{id}"`) or checked
    against an allow-list is not reported.

    ## Why is this bad?
    The function fetches what the caller asks for: internal services, the Lambda
    runtime API, or metadata endpoints that hand out credentials (CWE-918).

    ## Example
    ```python
    requests.get(event["queryStringParameters"]["url"], timeout=5)
    ```

    ## Fix
    ```python
    url = event["queryStringParameters"]["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        return {"statusCode": 400}
    requests.get(url, timeout=5)
    ```
    """
    return _flows(app, ctx, "ssrf")


@rule(id="FG-INJ-008", title="Event data is compiled as a template",
      severity="high", category="code", controls=("D1",), cwe=(1336,))
def template_injection(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports event data used as the *source* of a Jinja2, Mako or Django template
    (`Template(x)`, `Environment().from_string(x)`, `render_template_string(x)`).
    Passing event data as a template *variable* is safe and not reported.

    ## Why is this bad?
    Template languages reach Python objects: `{{ ''.__class__.__mro__... }}` becomes
    code execution (CWE-1336).

    ## Example
    ```python
    html = Template(f"<h1>Hello {name}</h1>").render()
    ```

    ## Fix
    ```python
    html = Template("<h1>Hello {{ name }}</h1>", autoescape=True).render(name=name)
    ```
    """
    return _flows(app, ctx, "template")


@rule(id="FG-INJ-009", title="Event data is parsed by an XML parser that expands entities",
      severity="medium", category="code", controls=("D1",), cwe=(611, 776))
def xml_entities(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports event data parsed by `lxml.etree` without a parser built with
    `resolve_entities=False`, or by `xml.dom.minidom`, `xml.sax`, `pulldom` and
    `xml.etree.ElementTree`.

    ## Why is this bad?
    External entities read local files and make requests (XXE, CWE-611); nested
    entities expand to gigabytes in memory (billion laughs, CWE-776).

    ## Example
    ```python
    doc = etree.fromstring(event["body"])
    ```

    ## Fix
    ```python
    doc = defusedxml.ElementTree.fromstring(event["body"])
    ```
    """
    return _flows(app, ctx, "xxe")


# --- D2 to D4 -----------------------------------------------------------------------------


@rule(id="FG-CODE-001", title="SQL SELECT without a row limit",
      severity="low", category="code", controls=("D2",), cwe=(770,))
def unbounded_select(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports SELECT statements the handler runs that read rows from a table with no
    `LIMIT`, `TOP` or `FETCH FIRST`. Aggregates (`COUNT(*)`) and lookups by `id` are
    not reported.

    ## Why is this bad?
    As the table grows, one request reads it all: the function runs out of memory or
    time and the database is loaded by every call (CWE-770).

    ## Example
    ```python
    cur.execute("SELECT * FROM orders WHERE status = %s", (status,))
    ```

    ## Fix
    ```python
    cur.execute("SELECT * FROM orders WHERE status = %s LIMIT 100", (status,))
    ```
    Page with a limit and a cursor.
    """
    return _issues(app, ctx, "unbounded-select")


@rule(id="FG-CODE-002", title="DynamoDB Scan of a whole table",
      severity="low", category="code", controls=("D2",), cwe=(770,))
def table_scan(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports `scan()` calls without `Limit` (and Scan paginators without `MaxItems`) in
    code the handler runs.

    ## Why is this bad?
    A Scan reads (and bills) every item of the table; in a request path its latency
    and cost grow with the table, and a caller can make the function do it at will.

    ## Example
    ```python
    items = table.scan()["Items"]
    ```

    ## Fix
    ```python
    items = table.query(KeyConditionExpression=Key("pk").eq(pk), Limit=50)["Items"]
    ```
    """
    return _issues(app, ctx, "table-scan")


@rule(id="FG-CODE-003", title="Exception details returned to the caller",
      severity="medium", category="code", controls=("D3",), cwe=(209,))
def error_leak(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports responses that contain exception text (`str(e)`, `repr(e)`, `e.args`, an
    f-string with the exception) or a traceback (`traceback.format_exc()`; `err.stack`
    and `err.message` in JavaScript).

    ## Why is this bad?
    Error text shows table names, SQL, file paths, library versions and sometimes
    data, which helps an attacker shape the next request (CWE-209).

    ## Example
    ```python
    except Exception as e:
        return {"statusCode": 500, "body": str(e)}
    ```

    ## Fix
    ```python
    except Exception:
        logger.exception("order failed")
        return {"statusCode": 500, "body": '{"error": "internal error"}'}
    ```
    """
    return _issues(app, ctx, "error-leak")


@rule(id="FG-CODE-004", title="Whole event, token or personal data written to logs",
      severity="medium", category="code", controls=("D4",), cwe=(532,))
def sensitive_log(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports `print` and logger calls that write the whole event, all request headers,
    `Authorization`/token/password/card values, and Powertools
    `inject_lambda_context(log_event=True)`.

    ## Why is this bad?
    Logs are kept long and read widely; bearer tokens in them can be replayed and
    card or personal data in them is a compliance breach (CWE-532).

    ## Example
    ```python
    logger.info("event: %s", json.dumps(event))
    ```

    ## Fix
    ```python
    logger.info("order request", extra={"path": event["rawPath"]})
    ```
    """
    return _issues(app, ctx, "sensitive-log")


@rule(id="FG-SEC-005", title="Hard-coded secret in handler code",
      severity="high", category="secrets", controls=("B3",), cwe=(798,))
def code_secret(app: App, ctx: Context) -> Iterator[Hit]:
    """
    ## What it does
    Reports string literals in the handler's project code that are credentials: known
    key formats, and literal values assigned to (or passed as) `password`, `api_key`,
    `token`-style names. It uses the same detector as the configuration secret rules;
    the value is shown masked.

    ## Why is this bad?
    Code is copied to every clone, build log and deployment package; a key in it
    cannot be rotated without a release (CWE-798).

    ## Example
    ```python
    STRIPE_KEY = "sk_live_..."
    ```

    ## Fix
    ```python
    STRIPE_KEY = secrets_client.get_secret_value(SecretId=os.environ["STRIPE_SECRET_ARN"])
    ```
    """
    return _issues(app, ctx, "hardcoded-secret")
