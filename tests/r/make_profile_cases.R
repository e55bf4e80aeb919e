# Regenerates tests/data/r_profile: R's profile-likelihood confidence intervals (confint.glm,
# MASS's profile.glm + confint.profile.glm) for rglm's tests of rglm.profile.
# Run from the repository root: Rscript tests/r/make_profile_cases.R
#
# For each case two sets of interval ends are written:
#   r_confint: what confint(m, parm, level) reports (ends read off a spline through the
#              profile on a grid, so with an interpolation error of about 1e-3);
#   exact:     the roots of |z(b)| = qnorm(1 - (1 - level)/2) on the same profile, found with
#              uniroot on deviances refitted by glm.fit to a tight tolerance, as an oracle for
#              the exact ends (NA where the profile does not reach the cutoff).
# z(b) = sign(b - bhat) sqrt((D(b) - D)/phi) is profile.glm's statistic: the coefficient held
# at b (its column moved into the offset), the other estimable columns refitted on the model's
# response, weights and offset, phi = summary(m)$dispersion.
suppressMessages({library(MASS); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
out <- "tests/data/r_profile"
data_dir <- "tests/data/r_cases/data"
dir.create(out, recursive = TRUE, showWarnings = FALSE)

num <- function(x) { x <- unname(as.numeric(x)); x[!is.finite(x)] <- NA; x }
quiet <- function(expr) suppressWarnings(suppressMessages(expr))

exact_ends <- function(m, parm, level) {
  B0 <- coef(m); nonA <- !is.na(B0); p <- length(B0)
  mf <- model.frame(m); Y <- model.response(mf); n <- NROW(Y)
  O <- model.offset(mf); if (!length(O)) O <- rep(0, n)
  W <- model.weights(mf); if (!length(W)) W <- rep(1, n)
  X <- model.matrix(m); fam <- family(m)
  phi <- summary(m)$dispersion; D0 <- deviance(m)
  se <- rep(NA_real_, p); se[nonA] <- sqrt(diag(vcov(m))[nonA])
  ctrl <- glm.control(epsilon = 1e-12, maxit = 200)
  q <- qnorm(1 - (1 - level) / 2)
  res <- matrix(NA_real_, length(parm), 2)
  for (k in seq_along(parm)) {
    i <- match(parm[k], names(B0))
    if (!nonA[i]) next
    Xi <- X[, nonA & seq_len(p) != i, drop = FALSE]
    # Refits are started from the coefficients of the nearest value of b refitted so far, and a
    # value that cannot be fitted from there is approached through midpoints (as profile.glm
    # walks its grid from bhat, each fit starting from the previous one).
    done_b <- B0[i]; done_coef <- list(B0[nonA & seq_len(p) != i])
    fit_at <- function(b, depth = 0) {
      near <- which.min(abs(done_b - b))
      fm <- tryCatch(quiet(glm.fit(x = Xi, y = Y, weights = W, offset = O + X[, i] * b, family = fam,
                                   start = if (ncol(Xi)) done_coef[[near]], control = ctrl)),
                     error = function(e) NULL)
      if (is.null(fm) && depth < 30) {
        fit_at((done_b[near] + b) / 2, depth + 1)
        return(fit_at(b, depth + 1))
      }
      if (!is.null(fm)) { done_b <<- c(done_b, b); done_coef[[length(done_b)]] <<- fm$coefficients }
      fm
    }
    absz <- function(b) {
      fm <- fit_at(b)
      if (is.null(fm)) stop("cannot refit at ", b)
      sqrt(max(fm$deviance - D0, 0) / phi)
    }
    for (side in 1:2) {
      sgn <- c(-1, 1)[side]
      d <- se[i]
      while (absz(B0[i] + sgn * d) < q && d < 1e4 * se[i]) d <- 1.5 * d
      if (absz(B0[i] + sgn * d) < q) next  # the profile does not reach the cutoff: no end
      ends <- sort(c(B0[i], B0[i] + sgn * d))
      res[k, side] <- uniroot(function(b) absz(b) - q, ends, tol = 1e-13 * max(abs(B0[i]), se[i]),
                              maxiter = 1000)$root
    }
  }
  res
}

# The exact ends for separated logistic models, where glm.fit's refits break down (fitted
# probabilities clamped at 0 and 1, steps overshooting from distant starts): the profile
# deviance is minimised directly over the other coefficients with optim(BFGS), on a
# log-likelihood computed without clamping (a convex problem, so the start does not matter).
# Ends are bracketed by doubling the distance from the estimate; an end the profile does not
# reach within 2^10 is NA (the estimate is infinite in that direction).
stable_logit_exact <- function(m, parm, level) {
  X <- model.matrix(m); y <- m$y; D0 <- deviance(m); B0 <- coef(m)
  q <- qnorm(1 - (1 - level) / 2)
  dev <- function(beta) {
    eta <- drop(X %*% beta)
    -2 * sum(y * plogis(eta, log.p = TRUE) + (1 - y) * plogis(-eta, log.p = TRUE))
  }
  grad <- function(beta) -2 * drop(crossprod(X, y - plogis(drop(X %*% beta))))
  res <- matrix(NA_real_, length(parm), 2)
  for (k in seq_along(parm)) {
    i <- match(parm[k], names(B0))
    start <- B0[-i]
    absz <- function(v) {
      full <- function(o) { b <- numeric(length(B0)); b[-i] <- o; b[i] <- v; b }
      o <- optim(start, function(o) dev(full(o)), function(o) grad(full(o))[-i], method = "BFGS",
                 control = list(reltol = 1e-16, maxit = 10000))
      start <<- o$par
      sqrt(max(o$value - D0, 0))
    }
    for (side in 1:2) {
      sgn <- c(-1, 1)[side]
      start <- B0[-i]
      inner <- 0; d <- 0.25
      while (absz(B0[i] + sgn * d) < q && d < 2^10) { inner <- d; d <- 2 * d }
      if (d >= 2^10) next
      res[k, side] <- uniroot(function(v) absz(v) - q, sort(B0[i] + sgn * c(inner, d)), tol = 1e-13)$root
    }
  }
  res
}

read_data <- function(name) read.csv(file.path(data_dir, paste0(name, ".csv")), stringsAsFactors = TRUE)

make_case <- function(id, data, rformula, pyformula, family, pyfamily, link = NULL, family_args = NULL,
                      weights = NULL, offset = NULL, level = 0.95, parm = NULL, params = NULL, inline = NULL,
                      separated = FALSE, unreliable = character()) {
  d <- if (is.null(inline)) read_data(data) else inline
  call_txt <- paste0("glm(", rformula, ", family = ", family, ", data = d",
                     if (!is.null(weights)) paste0(", weights = ", weights) else "",
                     if (!is.null(offset)) paste0(", offset = ", offset) else "", ")")
  m <- quiet(eval(parse(text = call_txt)))
  if (is.null(parm)) parm <- names(coef(m))
  ci <- tryCatch(quiet(confint(m, parm = parm, level = level)), error = function(e) NULL)
  ci <- if (is.null(ci)) NULL else matrix(ci, ncol = 2)
  # R's spline reading is meaningless for a coefficient whose estimate is infinite (its grid
  # steps by the enormous standard error), so it is not recorded there.
  if (!is.null(ci) && length(unreliable)) ci[parm %in% unreliable, ] <- NA
  ex <- if (separated) stable_logit_exact(m, parm, level) else exact_ends(m, parm, level)
  ref <- list(call = call_txt, coef_names = I(names(coef(m))), parm = I(parm), level = level,
              coef = I(num(coef(m))), deviance = deviance(m), dispersion = summary(m)$dispersion,
              r_confint = if (is.null(ci)) NULL else list(lower = I(num(ci[, 1])), upper = I(num(ci[, 2]))),
              exact = list(lower = I(num(ex[, 1])), upper = I(num(ex[, 2]))))
  py <- list(formula = pyformula, family = pyfamily, link = link, family_args = family_args,
             weights = weights, offset = offset, params = params,
             data = if (is.null(inline)) data else NULL,
             inline = if (is.null(inline)) NULL else as.list(inline))
  writeLines(toJSON(list(id = id, r = ref, python = py), auto_unbox = TRUE, digits = NA, null = "null",
                    na = "null", pretty = TRUE), file.path(out, paste0(id, ".json")))
  if (!is.null(ci) && !all(is.na(ci))) {
    gap <- suppressWarnings(max(abs(c(ci) - c(ex)) / abs(c(ex)), na.rm = TRUE))
    cat(sprintf("%-34s spline vs exact: %.2e\n", id, gap))
  } else cat(sprintf("%-34s (no R confint)\n", id))
}

make_case("budworm_cbind_logit", "budworm", "cbind(numdead, numalive) ~ sex + ldose",
          "cbind(numdead, numalive) ~ sex + ldose", "binomial()", "Binomial")
make_case("budworm_cbind_probit_noint", "budworm", "cbind(numdead, numalive) ~ sex + ldose - 1",
          "cbind(numdead, numalive) ~ sex + ldose - 1", 'binomial(link = "probit")', "Binomial", link = "probit")
make_case("budworm_prop_weights", "budworm", "prop ~ sex * ldose", "prop ~ sex * ldose", "binomial()", "Binomial",
          weights = "total")
make_case("infert_logit01", "infert", "case ~ spontaneous + induced + age", "case ~ spontaneous + induced + age",
          "binomial()", "Binomial")
make_case("infert_probit01", "infert", "case ~ spontaneous + induced", "case ~ spontaneous + induced",
          'binomial(link = "probit")', "Binomial", link = "probit")
make_case("insurance_poisson_offset_formula", "insurance", "Claims ~ Group + Age + offset(log(Holders))",
          "Claims ~ Group + Age + offset(log(Holders))", "poisson()", "Poisson")
make_case("insurance_poisson_offset_arg", "insurance_off", "Claims ~ Group + Age", "Claims ~ Group + Age",
          "poisson()", "Poisson", offset = "logH")
make_case("trees_gamma_log", "trees", "Volume ~ log(Girth) + log(Height)", "Volume ~ log(Girth) + log(Height)",
          'Gamma(link = "log")', "Gamma", link = "log")
make_case("airquality_gamma_log_na", "airquality", "Ozone ~ Temp + Wind", "Ozone ~ Temp + Wind",
          'Gamma(link = "log")', "Gamma", link = "log")
make_case("mtcars_gaussian", "mtcars", "mpg ~ wt + hp", "mpg ~ wt + hp", "gaussian()", "Gaussian")
make_case("mtcars_gaussian_weights", "mtcars", "mpg ~ wt + factor(am)", "mpg ~ wt + C(am)", "gaussian()",
          "Gaussian", weights = "cyl")
make_case("mtcars_aliased", "mtcars", "mpg ~ wt + wt2 + hp", "mpg ~ wt + wt2 + hp", "gaussian()", "Gaussian")
make_case("clotting_invgauss", "clotting", "lot1 ~ log(u)", "lot1 ~ log(u)", "inverse.gaussian()",
          "InverseGaussian")
make_case("warpbreaks_quasipoisson", "warpbreaks", "breaks ~ wool + tension", "breaks ~ wool + tension",
          "quasipoisson()", "QuasiPoisson")
make_case("esoph_quasibinomial", "esoph", "cbind(ncases, ncontrols) ~ agegp + alcgp",
          "cbind(ncases, ncontrols) ~ agegp + alcgp", "quasibinomial()", "QuasiBinomial")
make_case("dobson_poisson_level90", "dobson", "counts ~ factor(outcome) + factor(treatment)",
          "counts ~ C(outcome) + C(treatment)", "poisson()", "Poisson", level = 0.90)
make_case("birthwt_logit_subset", "birthwt", "low ~ age + lwt + factor(race) + smoke",
          "low ~ age + lwt + C(race) + smoke", "binomial()", "Binomial",
          parm = c("age", "factor(race)3"), params = c("age", "C(race)[T.3]"))
make_case("titanic_weights_zero", "titanic", "Survived ~ Class + Sex + Age", "Survived ~ Class + Sex + Age",
          "binomial()", "Binomial", weights = "Freq", level = 0.99)
make_case("quine_negbin_fixed", "quine", "Days ~ Eth + Sex + Lrn", "Days ~ Eth + Sex + Lrn",
          "negative.binomial(2)", "NegativeBinomial", family_args = list(theta = 2))
make_case("infert_intercept_only", "infert", "case ~ 1", "case ~ 1", "binomial()", "Binomial")
make_case("ships_intercept_offset", "ships", "incidents ~ 1 + offset(log(service))",
          "incidents ~ 1 + offset(log(service))", "poisson()", "Poisson")
# Complete separation: x > 5 gives y = 1.  The profile of x never reaches the upper cutoff
# and that of the intercept never reaches the lower one (R's confint gives NA or fails there).
make_case("separated_logit", NULL, "y ~ x", "y ~ x", "binomial()", "Binomial",
          inline = data.frame(x = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), y = c(0, 0, 0, 0, 0, 1, 1, 1, 1, 1)),
          separated = TRUE, unreliable = c("(Intercept)", "x"))
# Quasi-complete separation: level c of g has no events, so its coefficient is -Inf while the
# others stay finite (their profiles are ordinary; g[c]'s lower end does not exist).
make_case("quasi_separated_logit", NULL, "y ~ g + x", "y ~ g + x", "binomial()", "Binomial",
          inline = data.frame(
            g = rep(c("a", "b", "c"), each = 6),
            x = c(0.3, -1.2, 0.8, 1.5, -0.4, 0.9, -0.7, 2.1, -1.5, 0.2, 1.1, -0.3, 0.6, -1.1, 1.7, 0.1, -0.9, 0.4),
            y = c(0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0)),
          separated = TRUE, unreliable = "gc")
# A Poisson level with no events: its coefficient is -Inf, and its profile levels off below the
# cutoff towards -Inf (no separation check applies: the search itself finds the plateau).
make_case("poisson_empty_level", NULL, "y ~ g + x", "y ~ g + x", "poisson()", "Poisson",
          inline = data.frame(
            g = rep(c("a", "b", "c"), each = 5),
            x = c(0.5, -1, 0.2, 1.3, -0.6, 0.9, -0.4, 1.8, -1.2, 0.1, 0.7, -0.8, 1.1, -0.2, 0.4),
            y = c(2, 5, 1, 0, 3, 4, 7, 2, 6, 3, 0, 0, 0, 0, 0)),
          unreliable = "gc")
