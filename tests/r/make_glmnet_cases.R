# glmnet reference cases for tests/test_glmnet.py, beyond the shared battery: other families and links,
# alphas, penalty factors, limits, intercept = FALSE, standardize = FALSE, two-column binomial responses,
# binomial class/auc CV, scikit-learn's GammaRegressor, and bad input.
# Run: Rscript tests/r/make_glmnet_cases.R [LIBDIR]   (about two minutes)
# LIBDIR holds glmnet_lib.R, the case machinery of the shared reference battery (default: the shared copy).
# Writes tests/data/glmnet/{data,cases}; the shared battery's own cases are copied next to these.
invisible(Sys.setlocale("LC_COLLATE", "C"))
args <- commandArgs(trailingOnly = TRUE)
lib <- if (length(args)) args[1] else "/work/shared/r-reference/glmnet"
source(file.path(lib, "glmnet_lib.R"))
here <- local({ a <- grep("^--file=", commandArgs(FALSE), value = TRUE); dirname(normalizePath(sub("^--file=", "", a[1]))) })
out <- file.path(here, "..", "data", "glmnet")
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)
for (f in list.files(file.path(lib, "data"), full.names = TRUE)) file.copy(f, file.path(out, "data"), overwrite = TRUE)
for (f in list.files(file.path(lib, "cases"), full.names = TRUE)) file.copy(f, file.path(out, "cases"), overwrite = TRUE)
W <- function(df, name) { rownames(df) <- NULL; write_csv_exact(df, file.path(out, "data", paste0(name, ".csv"))) }
R <- function(name) read_csv_back(file.path(out, "data", paste0(name, ".csv")))
rows <- function(name, i, change = list(), add = list()) {
  d <- R(name)[i, , drop = FALSE]
  for (v in names(change)) d[[v]] <- round(d[[v]] * change[[v]], 6)
  for (v in names(add)) d[[v]] <- round(d[[v]] + add[[v]], 6)
  rownames(d) <- NULL
  d
}

bw <- MASS::birthwt; bw$race <- paste0("r", bw$race); bw$bwt <- NULL; W(bw, "birthwt")
bud <- data.frame(ldose = rep(0:5, 2), numdead = c(1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16),
                  sex = rep(c("M", "F"), each = 6)); bud$numalive <- 20 - bud$numdead; W(bud, "budworm")
qu <- MASS::quine; for (v in c("Eth", "Sex", "Age", "Lrn")) qu[[v]] <- as.character(qu[[v]]); W(qu, "quine")
ins <- MASS::Insurance; ins$District <- paste0("d", ins$District); ins$Group <- as.character(ins$Group)
ins$Age <- as.character(ins$Age); ins$log_holders <- round(log(ins$Holders), 8); W(ins, "insurance")

bad <- list(
  list(call = "glmnet", kwargs = list(alpha = 1.5), why = "alpha > 1"),
  list(call = "glmnet", kwargs = list(alpha = -0.1), why = "alpha < 0"),
  list(call = "glmnet", kwargs = list(lambda_ = arr(c(0.5, -0.1))), why = "negative lambda"),
  list(call = "glmnet", kwargs = list(penalty_factor = arr(c(1, 1))), why = "penalty_factor of the wrong length"),
  list(call = "glmnet", kwargs = list(penalty_factor = arr(c(1, -1, 1, 1))), why = "negative penalty_factor"),
  list(call = "glmnet", kwargs = list(lower_limits = -1, upper_limits = arr(c(1, 1, -2, 1))), why = "lower_limits > upper_limits"),
  list(call = "cv_glmnet", kwargs = list(foldid = arr(rep(1:4, 5))), why = "foldid of the wrong length"),
  list(call = "cv_glmnet", kwargs = list(foldid = arr(rep(1:2, 16))), why = "fewer than 3 folds")
)

specs <- list(
  list(id = "mtcars_gaussian_enet_pf", data = "mtcars", dataset = "mtcars; cyl_f a string factor",
       formula = "mpg ~ wt + hp + disp + qsec + drat + am + cyl_f",
       family = fam_builtin("Gaussian", "gaussian"), alpha = 0.3, nlambda = 30, lambda_min_ratio = 0.01,
       penalty_factor = c(1, 1, 0, 2, 1, 1, 0.5, 1),
       description = "gaussian elastic net alpha = 0.3, penalty factors with an unpenalized column, 30 lambdas to 0.01",
       newdata = rows("mtcars", c(2, 9, 17, 28), list(wt = 1.1)),
       cv = list(foldid = folds(32, 4, 21), measures = c("mse", "mae"))),
  list(id = "mtcars_gaussian_limits_nostd", data = "mtcars", dataset = "mtcars",
       formula = "mpg ~ wt + hp + qsec + am", family = fam_builtin("Gaussian", "gaussian"), alpha = 1,
       standardize = FALSE, lower_limits = c(-2, 0, -Inf, -Inf), upper_limits = c(Inf, Inf, 0.5, Inf),
       description = "gaussian lasso, standardize = FALSE, box constraints (a zero lower limit switches fdev off)",
       newdata = rows("mtcars", c(3, 11, 25, 30), list(hp = 1.2)),
       bad_input = bad,
       cv = list(foldid = folds(32, 4, 22), measures = c("mse"))),
  list(id = "mtcars_gaussian_nointercept", data = "mtcars", dataset = "mtcars",
       formula = "mpg ~ wt + hp + qsec + drat", family = fam_builtin("Gaussian", "gaussian"), alpha = 0.8,
       intercept = FALSE, nlambda = 40,
       description = "gaussian elastic net without intercept (standardized by the centred sd, not centred)",
       newdata = rows("mtcars", c(4, 12, 19), list(wt = 0.9))),
  list(id = "birthwt_binomial_auc", data = "birthwt", dataset = "MASS::birthwt without bwt; race as r1/r2/r3",
       formula = "low ~ age + lwt + race + smoke + ptl + ht + ui + ftv",
       family = fam_builtin("Binomial", "binomial"), alpha = 1,
       description = "binomial lasso; cv.glmnet 5 folds with class, auc and deviance",
       newdata = rows("birthwt", c(1, 40, 80, 120, 160), list(lwt = 0.9)),
       cv = list(foldid = folds(189, 5, 23), measures = c("class", "auc", "deviance"))),
  list(id = "budworm_binomial_cbind", data = "budworm", dataset = "budworm (Venables & Ripley), 20 moths per batch",
       formula = "cbind(numdead, numalive) ~ sex + ldose", family = fam_builtin("Binomial", "binomial"), alpha = 0.5,
       description = "binomial elastic net on a two-column response (successes, failures)",
       newdata = rows("budworm", c(2, 5, 9, 12), add = list(ldose = 0.5)),
       cv = list(foldid = folds(12, 3, 24), measures = c("deviance", "mse"))),
  list(id = "insurance_poisson_offset_noint", data = "insurance", dataset = "MASS::Insurance; log_holders = log(Holders)",
       formula = "Claims ~ District + Group + Age", offset = "log_holders", intercept = FALSE,
       family = fam_builtin("Poisson", "poisson"), alpha = 1,
       description = "poisson lasso with an offset and no intercept",
       newdata = rows("insurance", c(1, 20, 40, 60), add = list(log_holders = 0.3)),
       cv = list(foldid = folds(64, 4, 25), measures = c("deviance", "mae"))),
  list(id = "quine_negbin_theta2", data = "quine", dataset = "MASS::quine",
       formula = "Days ~ Eth + Sex + Age + Lrn", family = fam_object("NegativeBinomial", list(theta = 2),
       MASS::negative.binomial(2), "MASS::negative.binomial(2)"), alpha = 1, nlambda = 30,
       description = "negative binomial (theta = 2) family object through glmnet.path",
       newdata = rows("quine", c(1, 50, 100, 146)),
       cv = list(foldid = folds(146, 4, 26), measures = c("deviance"))),
  list(id = "birthwt_binomial_probit", data = "birthwt", dataset = "MASS::birthwt without bwt",
       formula = "low ~ age + lwt + race + smoke + ht", family = fam_object("Binomial", list(link = "probit"),
       binomial(link = "probit"), "binomial(link = \"probit\")"), alpha = 0.5, nlambda = 25,
       description = "binomial probit family object (glmnet.path), alpha = 0.5",
       newdata = rows("birthwt", c(2, 60, 150), list(age = 1.1))),
  list(id = "quine_quasipoisson", data = "quine", dataset = "MASS::quine",
       formula = "Days ~ Eth + Sex + Age + Lrn", family = fam_object("QuasiPoisson", list(),
       quasipoisson(), "quasipoisson()"), alpha = 0.7, nlambda = 25,
       description = "quasipoisson family object (glmnet.path), alpha = 0.7",
       newdata = rows("quine", c(3, 70, 140))),
  list(id = "gen_gamma_ridge_sklearn", data = "gen_gamma", dataset = "the shared generated Gamma data",
       formula = "y ~ x1 + x2 + x3 + g", family = fam_object("Gamma", list(link = "log"), Gamma(link = "log"),
       "Gamma(link = \"log\")"), alpha = 0, lambda = c(0.1, 0.02), standardize = FALSE,
       description = "Gamma(log) ridge at user lambdas, standardize = FALSE: scikit-learn's GammaRegressor(alpha = lambda)",
       newdata = rows("gen_gamma", c(5, 50, 100)), sklearn = list(estimator = "GammaRegressor"))
)
for (s in specs) glmnet_case(s, out)
