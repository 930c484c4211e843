# A path through a regular file fails with an error that quotes the path.
path = "{{regularFile}}/{{secret}}.dump"
