"""The electronic archive of a case (婚姻登记档案): its files and a manifest of their hashes."""
