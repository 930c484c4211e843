# Nobody can answer in the contract: the step waits out its timeout.
instructions = "Promote the replica and confirm"
