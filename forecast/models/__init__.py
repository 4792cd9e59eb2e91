"""Pure numpy kernels: one module per modelled quantity, plus the samplers of uncertain inputs."""
