# A stat below a mount that never answers blocks, as on a hung NFS mount.
path = "{{hangingMount}}/latest.dump"
