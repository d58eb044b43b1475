def save(client, table, key):
    client.put_item(TableName=table, Item={"id": {"S": key}})
