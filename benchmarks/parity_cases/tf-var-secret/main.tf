# A live Stripe key as a variable's default, passed into the environment.

variable "stripe_key" {
  type    = string
  default = "sk_live_4eC39HqLyjWDarjtT1zdp7dcR2mQx8Vb"
}

resource "aws_lambda_function" "billing" {
  function_name = "billing"
  role          = "arn:aws:iam::123456789012:role/billing"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "billing.zip"

  environment {
    variables = {
      STRIPE_SECRET_KEY = var.stripe_key
    }
  }
}
