"""Request and response models of the API, one module per resource; the OpenAPI document is built from them."""
