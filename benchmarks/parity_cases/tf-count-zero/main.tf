# The public URL is switched off in this configuration: count = 0 creates nothing.

variable "public_url" {
  type    = bool
  default = false
}

resource "aws_lambda_function" "export" {
  function_name = "export"
  role          = "arn:aws:iam::123456789012:role/export"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "export.zip"
}

resource "aws_lambda_function_url" "export" {
  count              = var.public_url ? 1 : 0
  function_name      = aws_lambda_function.export.function_name
  authorization_type = "NONE"
}
