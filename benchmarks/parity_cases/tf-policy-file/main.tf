# The role's policy is kept in a JSON file next to the module and read with file().

resource "aws_iam_role" "importer" {
  name = "importer"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "importer" {
  role   = aws_iam_role.importer.id
  policy = file("${path.module}/policy.json")
}

resource "aws_lambda_function" "importer" {
  function_name = "importer"
  role          = aws_iam_role.importer.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "importer.zip"
}
