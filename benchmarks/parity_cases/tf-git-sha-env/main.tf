# No secret here: a git SHA, a container image tagged with it, and a UUID.

resource "aws_lambda_function" "status" {
  function_name = "status"
  role          = "arn:aws:iam::123456789012:role/status"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "status.zip"

  environment {
    variables = {
      BUILD_COMMIT = "3f786850e387550fdab836ed7e6dc881de23001b"
      WORKER_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:3f786850e387550fdab836ed7e6dc881de23001b"
      TENANT_ID    = "6f1c2d4e-8a9b-4c3d-9e7f-0a1b2c3d4e5f"
    }
  }
}
