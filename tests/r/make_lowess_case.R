# R figures for rglm.plot.lowess: Rscript tests/r/make_lowess_case.R (from the repository root)
library(jsonlite)
set.seed(1)
out <- list()
x <- cars$speed; y <- cars$dist
l <- lowess(x, y); out$cars <- list(x = x, y = y, fx = l$x, fy = l$y)
x <- round(runif(300, 0, 10), 1); y <- sin(x) + rnorm(300, sd = 0.4); y[c(5, 50)] <- 8
l <- lowess(x, y); out$sine <- list(x = x, y = y, fx = l$x, fy = l$y)
l <- lowess(x, y, f = 0.2, iter = 0); out$sine_f02 <- list(x = x, y = y, fx = l$x, fy = l$y, f = 0.2, iter = 0)
x <- rnorm(5000); y <- x^2 + rnorm(5000)
l <- lowess(x, y); out$big <- list(x = x, y = y, fx = l$x, fy = l$y)
x <- 1:7; y <- c(2, 1, 4, 3, 6, 5, 9)
l <- lowess(x, y); out$small <- list(x = x, y = y, fx = l$x, fy = l$y)
writeLines(toJSON(out, digits = NA), "tests/data/r_lowess.json")
