# R's chol2inv (reference LAPACK dpotri) of upper-triangular QR factors, as hex floats.
# Rscript make_chol2inv.R  ->  chol2inv.json
library(jsonlite)
set.seed(20261203)
hex <- function(m) matrix(sprintf("%a", m), nrow(m))
cases <- list()
for (p in c(1, 2, 5, 31, 63)) {
  X <- matrix(rnorm(300 * p), 300, p)
  if (p >= 5) X[, 3] <- X[, 3] * 1e6  # a badly scaled column
  R <- qr.R(qr(X))
  cases[[sprintf("random_%d", p)]] <- list(r = hex(R), inv = hex(chol2inv(R)))
}
# zeros above the diagonal (orthogonal columns of a balanced factorial design)
X <- model.matrix(~ a * b, expand.grid(a = factor(1:3), b = factor(1:4)), contrasts.arg = list(a = "contr.helmert", b = "contr.helmert"))
R <- qr.R(qr(X))
cases[["helmert_zeros"]] <- list(r = hex(R), inv = hex(chol2inv(R)))
writeLines(toJSON(cases, pretty = FALSE), "chol2inv.json")
