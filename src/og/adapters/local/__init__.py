"""Local flavours of the adapters, used by the embedded stack (`og`): everything lands in the og
home directory so a person can read what the guide did."""
