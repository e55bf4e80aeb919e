# Regenerates tests/data/brglm: brglm2 0.9's bias-reduced and penalized GLM fits,
# glm(..., method = "brglmFit", type = ...), for rglm's tests of rglm.glm(..., method="brglm").
# Run from the repository root: Rscript tests/r/make_brglm_cases.R
# Every family and link brglm2 supports, every type, offsets, zero weights, an aliased column,
# no intercept, brglm2's default control, slowit and max_step_factor, and separated data
# (brglm2's endometrial data, MASS's shuttle).  Each case is cases/ID.json with the rglm call's
# arguments and R's figures; its data is data/NAME.csv, and R fits the CSV as read back.
suppressMessages({library(brglm2); library(MASS); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
options(width = 80, digits = 7)
out <- "tests/data/brglm"
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)

save_data <- function(df, name) {
  path <- file.path(out, "data", paste0(name, ".csv"))
  write.csv(df, path, row.names = FALSE)
  read.csv(path, stringsAsFactors = TRUE)
}

# sum(|step|) at the end of a fit: what brglmFit compares with epsilon.
step_sum <- function(fit) {
  g <- fit$grad
  ok <- !is.na(coef(fit))
  vb <- brglm2:::vcov.brglmFit(fit)[ok, ok, drop = FALSE]
  s <- sum(abs(vb %*% g[which(ok)]))
  if (!(fit$family$family %in% c("binomial", "poisson")) && is.finite(fit$info_transformed_dispersion))
    s <- s + abs(g[length(g)] / fit$info_transformed_dispersion)
  unname(s)
}

PY_FAMILY <- c(binomial = "Binomial", poisson = "Poisson", Gamma = "Gamma",
               inverse.gaussian = "InverseGaussian", gaussian = "Gaussian")

# One case. r_formula / py_formula: the model in R and in rglm; control: named list of brglm2
# control arguments given (epsilon, maxit, a, slowit, max_step_factor; absent = brglm2's default).
brglm_case <- function(id, data_name, d, r_formula, py_formula, family, link, type, control = list(),
                       weights = NULL, offset = NULL, newdata = NULL, summary = FALSE) {
  cat(id, "\n")
  cl <- call("glm", str2lang(r_formula), family = call(family, link = link), data = as.name(data_name))
  if (!is.null(weights)) cl$weights <- as.name(weights)
  if (!is.null(offset)) cl$offset <- as.name(offset)
  cl$method <- "brglmFit"
  cl$type <- type
  for (k in names(control)) cl[[k]] <- control[[k]]
  env <- new.env()
  assign(data_name, d, envir = env)
  ws <- character()
  run <- function(cl) withCallingHandlers(eval(cl, env), warning = function(w) {
    if (getOption("warn") >= 0) ws <<- c(ws, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  fit <- run(cl)
  s <- summary(fit)
  cf <- coef(s)
  aliased <- is.na(coef(fit))
  eps <- if (is.null(control$epsilon)) 1e-6 else control$epsilon
  # How far the last two step sums are from epsilon: the iteration count is exact when both
  # are more than 10% away from it.
  exact <- TRUE
  if (type != "correction" && fit$iter > 1) {
    cl2 <- cl
    cl2$maxit <- fit$iter - 1
    prev <- suppressWarnings(eval(cl2, env))
    exact <- step_sum(prev) / eps > 1.1 && eps / step_sum(fit) > 1.1
  }
  py <- list(formula = py_formula, family = unname(PY_FAMILY[family]), link = link, type = type,
             weights = weights, offset = offset)
  if (!is.null(control$epsilon)) py$tol <- control$epsilon
  if (!is.null(control$maxit)) py$max_iter <- control$maxit
  for (k in c("a", "slowit", "max_step_factor")) if (!is.null(control[[k]])) py[[k]] <- control[[k]]
  r <- list(
    coef_names = names(coef(fit)), coef = unname(coef(fit)), aliased = unname(aliased),
    se = unname(cf[, 2]), stat = unname(cf[, 3]), p = unname(cf[, 4]), stat_name = colnames(cf)[3],
    dispersion = s$dispersion, deviance = fit$deviance, null_deviance = fit$null.deviance,
    df_residual = fit$df.residual, df_null = fit$df.null, aic = fit$aic, iterations = fit$iter,
    converged = fit$converged, vcov = unname(vcov(fit)), fitted = unname(fitted(fit)),
    iterations_exact = exact, warnings = unique(ws))
  if (!is.null(newdata)) {
    pl <- predict(fit, newdata = newdata, type = "link", se.fit = TRUE)
    pr <- predict(fit, newdata = newdata, type = "response", se.fit = TRUE)
    r$predict_link <- unname(pl$fit)
    r$predict_link_se <- unname(pl$se.fit)
    r$predict_response <- unname(pr$fit)
    r$predict_response_se <- unname(pr$se.fit)
  }
  if (summary) r$summary_text <- paste(capture.output(print(s)), collapse = "\n")
  nd <- if (is.null(newdata)) NULL else lapply(newdata, function(v) if (is.factor(v)) as.character(v) else v)
  case <- list(id = id, data = paste0(data_name, ".csv"), python = py, newdata = nd, r = r,
               r_call = paste(deparse(cl, width.cutoff = 500L), collapse = " "),
               versions = list(R = R.version.string, brglm2 = as.character(packageVersion("brglm2"))))
  writeLines(toJSON(case, auto_unbox = TRUE, digits = NA, na = "null", null = "null", pretty = TRUE),
             file.path(out, "cases", paste0(id, ".json")))
}
TIGHT <- list(epsilon = 1e-12, maxit = 500)

# --- Poisson: dobson (Dobson 1990, p. 93), and counts with an exposure offset ------------------
dob <- save_data(data.frame(counts = c(18, 17, 15, 20, 10, 20, 25, 13, 12),
                            outcome = paste0("o", gl(3, 1, 9)), treatment = paste0("t", gl(3, 3))), "dobson")
brglm_case("dobson_poisson_log_AS_median", "dobson", dob, "counts ~ outcome + treatment",
           "counts ~ outcome + treatment", "poisson", "log", "AS_median", TIGHT,
           newdata = data.frame(outcome = c("o1", "o3"), treatment = c("t2", "t3")), summary = TRUE)
brglm_case("dobson_poisson_sqrt_ML", "dobson", dob, "counts ~ outcome + treatment",
           "counts ~ outcome + treatment", "poisson", "sqrt", "ML", TIGHT)
brglm_case("dobson_poisson_identity_MPL_Jeffreys_a1", "dobson", dob, "counts ~ outcome + treatment",
           "counts ~ outcome + treatment", "poisson", "identity", "MPL_Jeffreys", c(TIGHT, list(a = 1)))
set.seed(42)
n <- 30
exq <- data.frame(x = round(runif(n), 3), g = sample(c("a", "b"), n, replace = TRUE),
                  expo = round(runif(n, 1, 10), 2))
exq$y <- rpois(n, exq$expo * exp(-1 + 0.8 * exq$x + 0.3 * (exq$g == "b")))
exq$logexpo <- log(exq$expo)
exq$w <- c(0, rep(1, n - 1))
exq <- save_data(exq, "exposure")
brglm_case("exposure_poisson_log_offset_AS_mixed", "exposure", exq, "y ~ x + g", "y ~ x + g",
           "poisson", "log", "AS_mixed", TIGHT, offset = "logexpo",
           newdata = data.frame(x = c(0.2, 0.9), g = c("a", "b"), logexpo = log(c(2, 5))), summary = TRUE)
brglm_case("exposure_poisson_log_zero_weight_AS_mean", "exposure", exq, "y ~ x + g", "y ~ x + g",
           "poisson", "log", "AS_mean", TIGHT, weights = "w")
brglm_case("exposure_poisson_log_no_intercept_AS_mean", "exposure", exq, "y ~ x + g - 1", "y ~ x + g - 1",
           "poisson", "log", "AS_mean", TIGHT)

# --- Gaussian, Gamma and inverse Gaussian: the dispersion is bias-reduced too ----------------
# mpg20 = mpg / 20: brglm2's intercept-only null fit of an inverse Gaussian model starts at
# dispersion 1, and fails on mpg's scale
mt <- save_data(within(mtcars[, c("mpg", "wt", "hp", "qsec")], {wt2 <- 2 * wt; mpg20 <- mpg / 20}), "mtcars")
brglm_case("mtcars_gaussian_identity_AS_mean", "mtcars", mt, "mpg ~ wt + hp", "mpg ~ wt + hp",
           "gaussian", "identity", "AS_mean", TIGHT,
           newdata = data.frame(wt = c(2.5, 3.5), hp = c(100, 200)), summary = TRUE)
brglm_case("mtcars_gaussian_identity_AS_median", "mtcars", mt, "mpg ~ wt + hp", "mpg ~ wt + hp",
           "gaussian", "identity", "AS_median", TIGHT)
brglm_case("mtcars_gaussian_log_ML", "mtcars", mt, "mpg ~ wt + hp", "mpg ~ wt + hp",
           "gaussian", "log", "ML", TIGHT)
brglm_case("mtcars_gaussian_aliased_AS_mixed", "mtcars", mt, "mpg ~ wt + wt2 + qsec", "mpg ~ wt + wt2 + qsec",
           "gaussian", "identity", "AS_mixed", TIGHT, summary = TRUE)
brglm_case("mtcars_gamma_inverse_MPL_Jeffreys_a1", "mtcars", mt, "mpg ~ wt + hp", "mpg ~ wt + hp",
           "Gamma", "inverse", "MPL_Jeffreys", c(TIGHT, list(a = 1)), summary = TRUE)
brglm_case("mtcars_gamma_identity_AS_median", "mtcars", mt, "mpg ~ wt", "mpg ~ wt",
           "Gamma", "identity", "AS_median", TIGHT)
brglm_case("mtcars_gamma_log_correction", "mtcars", mt, "mpg ~ wt + hp", "mpg ~ wt + hp",
           "Gamma", "log", "correction", TIGHT, summary = TRUE)
brglm_case("mtcars_gamma_log_defaults", "mtcars", mt, "mpg ~ wt + hp", "mpg ~ wt + hp",
           "Gamma", "log", "AS_mixed")
brglm_case("mtcars_invgauss_canonical_AS_mixed", "mtcars", mt, "mpg20 ~ wt + hp", "mpg20 ~ wt + hp",
           "inverse.gaussian", "1/mu^2", "AS_mixed", TIGHT, summary = TRUE,
           newdata = data.frame(wt = c(2.5, 3.5), hp = c(100, 200)))
brglm_case("mtcars_invgauss_log_AS_mean", "mtcars", mt, "mpg20 ~ wt + hp", "mpg20 ~ wt + hp",
           "inverse.gaussian", "log", "AS_mean", TIGHT)
brglm_case("mtcars_invgauss_inverse_AS_median", "mtcars", mt, "mpg20 ~ wt + hp", "mpg20 ~ wt + hp",
           "inverse.gaussian", "inverse", "AS_median", TIGHT)

# --- Binomial: every link, 0/1, proportions with weights and cbind -----------------------------
bw <- data.frame(ldose = rep(0:5, 2), numdead = c(1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16),
                 sex = rep(c("M", "F"), c(6, 6)))
bw$numalive <- 20 - bw$numdead
bw$total <- 20
bw$prop <- bw$numdead / bw$total
bw <- save_data(bw, "budworm")
nd_bw <- data.frame(ldose = c(0.5, 4.5), sex = c("F", "M"))
brglm_case("budworm_cloglog_AS_mean", "budworm", bw, "cbind(numdead, numalive) ~ sex + ldose",
           "cbind(numdead, numalive) ~ sex + ldose", "binomial", "cloglog", "AS_mean", TIGHT,
           newdata = nd_bw, summary = TRUE)
brglm_case("budworm_cauchit_AS_median", "budworm", bw, "prop ~ sex + ldose", "prop ~ sex + ldose",
           "binomial", "cauchit", "AS_median", TIGHT, weights = "total", newdata = nd_bw)
brglm_case("budworm_logit_correction", "budworm", bw, "cbind(numdead, numalive) ~ sex + ldose",
           "cbind(numdead, numalive) ~ sex + ldose", "binomial", "logit", "correction", TIGHT, summary = TRUE)
brglm_case("budworm_probit_ML", "budworm", bw, "cbind(numdead, numalive) ~ sex * ldose",
           "cbind(numdead, numalive) ~ sex * ldose", "binomial", "probit", "ML", TIGHT)
brglm_case("budworm_logit_AS_mixed_defaults", "budworm", bw, "cbind(numdead, numalive) ~ sex + ldose",
           "cbind(numdead, numalive) ~ sex + ldose", "binomial", "logit", "AS_mixed")
brglm_case("budworm_logit_slowit", "budworm", bw, "cbind(numdead, numalive) ~ sex + ldose",
           "cbind(numdead, numalive) ~ sex + ldose", "binomial", "logit", "AS_mean",
           c(TIGHT, list(slowit = 0.5, max_step_factor = 3)))
set.seed(11)
lo <- data.frame(x = round(runif(50), 3))
lo$y <- rbinom(50, 1, exp(-2.5 + 1.2 * lo$x))
lo <- save_data(lo, "lowrisk")
brglm_case("lowrisk_binomial_log_AS_mean", "lowrisk", lo, "y ~ x", "y ~ x", "binomial", "log", "AS_mean",
           TIGHT, newdata = data.frame(x = c(0.1, 0.9)))
brglm_case("lowrisk_logit_MPL_Jeffreys_a1", "lowrisk", lo, "y ~ x", "y ~ x", "binomial", "logit",
           "MPL_Jeffreys", c(TIGHT, list(a = 1)))

# --- Separated data: finite estimates --------------------------------------------------------------
data("endometrial", package = "brglm2")
endo <- save_data(endometrial, "endometrial")
brglm_case("endometrial_logit_AS_mean", "endometrial", endo, "HG ~ NV + PI + EH", "HG ~ NV + PI + EH",
           "binomial", "logit", "AS_mean", TIGHT, summary = TRUE,
           newdata = data.frame(NV = c(0, 1), PI = c(10, 20), EH = c(1.5, 2.5)))
brglm_case("endometrial_logit_MPL_Jeffreys", "endometrial", endo, "HG ~ NV + PI + EH", "HG ~ NV + PI + EH",
           "binomial", "logit", "MPL_Jeffreys", TIGHT)
brglm_case("endometrial_probit_AS_median", "endometrial", endo, "HG ~ NV + PI + EH", "HG ~ NV + PI + EH",
           "binomial", "probit", "AS_median", TIGHT)
sh <- save_data(MASS::shuttle, "shuttle")
brglm_case("shuttle_logit_AS_mixed", "shuttle", sh, "use ~ vis + wind + stability",
           "use ~ vis + wind + stability", "binomial", "logit", "AS_mixed", TIGHT, summary = TRUE)

# --- Prior weights with a dispersion, more offsets and types ------------------------------------
set.seed(5)
wd <- data.frame(x = round(runif(25, 0, 2), 3), g = sample(c("u", "v"), 25, replace = TRUE),
                 w = sample(1:4, 25, replace = TRUE))
wd$y <- round(rgamma(25, shape = 3 * wd$w, rate = 3 * wd$w / exp(0.5 + 0.7 * wd$x)), 4)
wd$ig <- round(statmod::rinvgauss(25, mean = exp(0.2 + 0.3 * wd$x), shape = 4 * wd$w), 4)
wd$gs <- round(1 + 2 * wd$x + rnorm(25, sd = 1 / sqrt(wd$w)), 4)
wd$off <- round(0.1 * wd$x, 4)
wd <- save_data(wd, "weighted")
brglm_case("weighted_gamma_log_AS_median", "weighted", wd, "y ~ x + g", "y ~ x + g", "Gamma", "log",
           "AS_median", TIGHT, weights = "w", summary = TRUE)
brglm_case("weighted_gamma_inverse_ML", "weighted", wd, "y ~ x", "y ~ x", "Gamma", "inverse", "ML", TIGHT,
           weights = "w")
brglm_case("weighted_invgauss_log_MPL_Jeffreys", "weighted", wd, "ig ~ x + g", "ig ~ x + g",
           "inverse.gaussian", "log", "MPL_Jeffreys", TIGHT, weights = "w")
brglm_case("weighted_invgauss_identity_ML", "weighted", wd, "ig ~ x", "ig ~ x", "inverse.gaussian",
           "identity", "ML", TIGHT, weights = "w")
brglm_case("weighted_gaussian_identity_AS_mixed", "weighted", wd, "gs ~ x + g", "gs ~ x + g", "gaussian",
           "identity", "AS_mixed", TIGHT, weights = "w", summary = TRUE)
brglm_case("weighted_gaussian_offset_correction", "weighted", wd, "gs ~ x + g", "gs ~ x + g", "gaussian",
           "identity", "correction", TIGHT, weights = "w", offset = "off")
brglm_case("weighted_gamma_offset_AS_mean", "weighted", wd, "y ~ x", "y ~ x", "Gamma", "log", "AS_mean",
           TIGHT, offset = "off")
brglm_case("dobson_poisson_log_correction", "dobson", dob, "counts ~ outcome + treatment",
           "counts ~ outcome + treatment", "poisson", "log", "correction", TIGHT)
brglm_case("budworm_cloglog_offset_AS_median", "budworm", within(bw, off <- 0.1 * ldose), "prop ~ sex + ldose",
           "prop ~ sex + ldose", "binomial", "cloglog", "AS_median", TIGHT, weights = "total", offset = "ldose")
brglm_case("endometrial_cloglog_AS_mixed", "endometrial", endo, "HG ~ NV + PI + EH", "HG ~ NV + PI + EH",
           "binomial", "cloglog", "AS_mixed", TIGHT)

# --- anova.glm of brglm fits: R refits the sub-models with the fit's method and control ---------
m1 <- glm(HG ~ NV + PI + EH, family = binomial, data = endo, method = "brglmFit", type = "AS_mean")
m0 <- glm(HG ~ NV + EH, family = binomial, data = endo, method = "brglmFit", type = "AS_mean")
seq_tab <- anova(m1, test = "Chisq")
two <- anova(m0, m1, test = "Chisq")
writeLines(toJSON(list(
  formula = "HG ~ NV + PI + EH", smaller = "HG ~ NV + EH", type = "AS_mean", data = "endometrial.csv",
  sequential = list(terms = rownames(seq_tab), resid_dev = unname(seq_tab[["Resid. Dev"]]),
                    deviance = unname(seq_tab[["Deviance"]]), p = unname(seq_tab[["Pr(>Chi)"]])),
  nested = list(resid_dev = unname(two[["Resid. Dev"]]), deviance = unname(two[["Deviance"]]),
                p = unname(two[["Pr(>Chi)"]])),
  r_call = "anova(m1, test = 'Chisq'); anova(m0, m1, test = 'Chisq')"),
  auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), file.path(out, "anova_endometrial.json"))

# --- A grid: every type for more family/link pairs (coefficients, SEs, dispersion, deviances,
# AIC and iterations only) -------------------------------------------------------------------------
grid <- list()
grid_fit <- function(id, f, data_name, d, fam, link, type, a = NULL, w = NULL) {
  cl <- call("glm", str2lang(f), family = call(fam, link = link), data = as.name(data_name),
             method = "brglmFit", type = type, epsilon = 1e-12, maxit = 500)
  if (!is.null(a)) cl$a <- a
  if (!is.null(w)) cl$weights <- as.name(w)
  env <- new.env()
  assign(data_name, d, envir = env)
  r <- suppressWarnings(eval(cl, env))
  grid[[id]] <<- list(formula = f, data = paste0(data_name, ".csv"), family = unname(PY_FAMILY[fam]),
                      link = link, type = type, a = a, weights = w, coef = unname(coef(r)),
                      se = unname(sqrt(diag(vcov(r)))), dispersion = summary(r)$dispersion,
                      iterations = r$iter, deviance = r$deviance, null_deviance = r$null.deviance,
                      aic = r$aic, r_call = paste(deparse(cl, width.cutoff = 500L), collapse = " "))
}
for (ty in c("AS_mixed", "AS_mean", "AS_median", "MPL_Jeffreys", "correction", "ML")) {
  grid_fit(paste0("gaussian_inverse_", ty), "mpg ~ wt + hp", "mtcars", mt, "gaussian", "inverse", ty)
  grid_fit(paste0("gaussian_log_weights_", ty), "gs ~ x + g", "weighted", wd, "gaussian", "log", ty, w = "w")
  grid_fit(paste0("gamma_identity_weights_", ty), "y ~ x + g", "weighted", wd, "Gamma", "identity", ty, w = "w")
  grid_fit(paste0("invgauss_canonical_weights_", ty), "ig ~ x", "weighted", wd, "inverse.gaussian", "1/mu^2",
           ty, w = "w")
  grid_fit(paste0("poisson_sqrt_", ty), "counts ~ outcome + treatment", "dobson", dob, "poisson", "sqrt", ty)
  grid_fit(paste0("binomial_cauchit_", ty), "cbind(numdead, numalive) ~ sex + ldose", "budworm", bw, "binomial",
           "cauchit", ty)
}
grid_fit("gamma_log_weights_MPL_Jeffreys_a2", "y ~ x + g", "weighted", wd, "Gamma", "log", "MPL_Jeffreys", a = 2,
         w = "w")
writeLines(toJSON(grid, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), file.path(out, "grid.json"))
