# Runtimes AWS has deprecated that Checkov 3.3.30's list does not name.

resource "aws_lambda_function" "legacy_report" {
  function_name = "legacy-report"
  role          = "arn:aws:iam::123456789012:role/report"
  runtime       = "python3.8"
  handler       = "app.handler"
  filename      = "report.zip"
}

resource "aws_lambda_function" "legacy_notify" {
  function_name = "legacy-notify"
  role          = "arn:aws:iam::123456789012:role/notify"
  runtime       = "nodejs20.x"
  handler       = "index.handler"
  filename      = "notify.zip"
}
