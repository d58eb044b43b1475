import boto3
ddb = boto3.client("dynamodb")
def handler(event, context):
    return ddb.execute_statement(Statement='SELECT * FROM "orders-prod" WHERE id = ?',
                                 Parameters=[{"S": event["id"]}])["Items"]
