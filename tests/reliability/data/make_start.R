# Data on which R's glm stops with "no valid set of coefficients has been found" (its first
# step from the family's start leaves the domain), for tests/reliability/test_start.py.
# Run from the repository root: Rscript tests/reliability/data/make_start.R
set.seed(11); n <- 40; x <- runif(n, 0, 10); y <- rpois(n, 2 + 1.5 * x)
write.csv(data.frame(x = sprintf("%.17g", x), y = y),
          "tests/reliability/data/start_poisson_identity.csv", row.names = FALSE, quote = FALSE)
stopifnot(inherits(try(glm(y ~ x, family = poisson(link = "identity")), silent = TRUE), "try-error"))
set.seed(2); n <- 30; x <- runif(n, 0, 10); y <- rgamma(n, shape = 3, scale = (0.2 + 0.5 * x) / 3)
write.csv(data.frame(x = sprintf("%.17g", x), y = sprintf("%.17g", y)),
          "tests/reliability/data/start_gamma_identity.csv", row.names = FALSE, quote = FALSE)
stopifnot(inherits(try(suppressWarnings(glm(y ~ x, family = Gamma(link = "identity"))), silent = TRUE), "try-error"))
