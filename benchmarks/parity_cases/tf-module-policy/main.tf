# The function and its role come from a local module; its statements from the caller.

module "sync" {
  source  = "./modules/worker"
  name    = "sync"
  actions = ["*"]
}
