"""浙工之家 service-account bot and mini-program backend."""
