# Regenerates tests/data/r_cases: R's figures for rglm's reference tests.
# Run from the repository root: Rscript tests/r/make_cases.R
# Each case gets a JSON file with R's numbers and the rglm call that should reproduce them.
suppressMessages({library(MASS); library(jsonlite); library(statmod)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
out <- "tests/data/r_cases"
src <- "rglm/datasets"
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)

read_data <- function(name) read.csv(file.path(out, "data", paste0(name, ".csv")), stringsAsFactors = TRUE)
copy_data <- function(name) file.copy(file.path(src, paste0(name, ".csv")), file.path(out, "data", paste0(name, ".csv")), overwrite = TRUE)
for (n in c("insectsprays", "infert", "birthwt", "insurance", "trees", "titanic", "airquality", "mtcars",
            "budworm", "clotting", "esoph", "quine", "dobson", "warpbreaks", "ships")) copy_data(n)
ins <- read_data("insurance"); ins$logH <- log(ins$Holders)
write.csv(ins, file.path(out, "data", "insurance_off.csv"), row.names = FALSE, na = "")

num <- function(x) { x <- unname(as.numeric(x)); x[!is.finite(x)] <- NA; x }

make_case <- function(id, data, rformula, pyformula, family, pyfamily, link = NULL, family_args = NULL,
                      weights = NULL, offset = NULL) {
  d <- read_data(data)
  call_txt <- paste0("glm(", rformula, ", family = ", family, ", data = d",
                     if (!is.null(weights)) paste0(", weights = ", weights) else "",
                     if (!is.null(offset)) paste0(", offset = ", offset) else "", ")")
  warns <- character()
  m <- withCallingHandlers(eval(parse(text = call_txt)),
                           warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  s <- summary(m)
  cf <- coef(m); tab <- s$coefficients
  se <- rep(NA_real_, length(cf)); names(se) <- names(cf); st <- se; pv <- se
  se[rownames(tab)] <- tab[, 2]; st[rownames(tab)] <- tab[, 3]; pv[rownames(tab)] <- tab[, 4]
  aic <- tryCatch(AIC(m), error = function(e) NA)
  bic <- tryCatch(BIC(m), error = function(e) NA)
  ll <- tryCatch(as.numeric(logLik(m)), error = function(e) NA)
  rows <- which(!is.na(predict(m, newdata = d)))[1:5]
  nd <- d[rows, , drop = FALSE]
  pl <- predict(m, newdata = nd, type = "link", se.fit = TRUE)
  pr <- predict(m, newdata = nd, type = "response", se.fit = TRUE)
  ci <- confint.default(m)
  ref <- list(
    call = call_txt, warnings = warns,
    coef_names = names(cf), coef = num(cf), se = num(se), stat = num(st), p = num(pv),
    aliased = unname(is.na(cf)), stat_name = colnames(tab)[3],
    deviance = deviance(m), null_deviance = m$null.deviance, df_residual = m$df.residual, df_null = m$df.null,
    aic = num(aic), bic = num(bic), loglik = num(ll), dispersion = s$dispersion, iter = m$iter, nobs = nobs(m),
    theta = NULL, se_theta = NULL,
    fitted = num(fitted(m)), linear_predictors = num(m$linear.predictors),
    resid_deviance = num(residuals(m, "deviance")), resid_pearson = num(residuals(m, "pearson")),
    resid_working = num(residuals(m, "working")), resid_response = num(residuals(m, "response")),
    predict_rows = rows - 1,
    predict_link = num(pl$fit), predict_link_se = num(pl$se.fit),
    predict_response = num(pr$fit), predict_response_se = num(pr$se.fit),
    vcov = unname(vcov(m)),
    confint_wald = list(lower = num(ci[, 1]), upper = num(ci[, 2])),
    summary_text = paste(capture.output(print(s)), collapse = "\n")
  )
  py <- list(formula = pyformula, family = pyfamily, link = link, family_args = family_args,
             weights = weights, offset = offset, data = paste0("data/", data, ".csv"))
  writeLines(toJSON(list(id = id, note = "", r = ref, python = py), auto_unbox = TRUE, digits = NA,
                    null = "null", na = "null", pretty = TRUE),
             file.path(out, "cases", paste0(id, ".json")))
  cat(sprintf("%-32s dev=%-12.6g aic=%-10s iter=%d warn=%d\n", id, deviance(m), format(aic), m$iter, length(warns)))
}

make_case("insectsprays_poisson_sqrt", "insectsprays", "count ~ spray", "count ~ spray", 'poisson(link = "sqrt")', "Poisson", link = "sqrt")
make_case("insectsprays_poisson_identity", "insectsprays", "count ~ spray", "count ~ spray", 'poisson(link = "identity")', "Poisson", link = "identity")
make_case("infert_logit", "infert", "case ~ spontaneous + induced + age + education", "case ~ spontaneous + induced + age + education", "binomial()", "Binomial")
make_case("infert_probit", "infert", "case ~ spontaneous + induced + age", "case ~ spontaneous + induced + age", 'binomial(link = "probit")', "Binomial", link = "probit")
make_case("infert_cloglog", "infert", "case ~ spontaneous + induced", "case ~ spontaneous + induced", 'binomial(link = "cloglog")', "Binomial", link = "cloglog")
make_case("infert_cauchit", "infert", "case ~ spontaneous + induced + age", "case ~ spontaneous + induced + age", 'binomial(link = "cauchit")', "Binomial", link = "cauchit")
make_case("birthwt_logit_factor", "birthwt", "low ~ age + lwt + factor(race) + smoke + I(age^2)", "low ~ age + lwt + C(race) + smoke + I(age**2)", "binomial()", "Binomial")
make_case("insurance_poisson_offset_formula", "insurance", "Claims ~ factor(District) + Group + Age + offset(log(Holders))", "Claims ~ C(District) + Group + Age + offset(log(Holders))", "poisson()", "Poisson")
make_case("insurance_poisson_offset_arg", "insurance_off", "Claims ~ Group + Age", "Claims ~ Group + Age", "poisson()", "Poisson", offset = "logH")
make_case("titanic_weights_zero", "titanic", "Survived ~ Class + Sex + Age", "Survived ~ Class + Sex + Age", "binomial()", "Binomial", weights = "Freq")
make_case("trees_gamma_log", "trees", "Volume ~ log(Girth) + log(Height)", "Volume ~ log(Girth) + log(Height)", 'Gamma(link = "log")', "Gamma", link = "log")
make_case("trees_gamma_identity", "trees", "Volume ~ Girth + Height", "Volume ~ Girth + Height", 'Gamma(link = "identity")', "Gamma", link = "identity")
make_case("clotting_invgauss", "clotting", "lot1 ~ log(u)", "lot1 ~ log(u)", "inverse.gaussian()", "InverseGaussian")
make_case("trees_invgauss_inverse", "trees", "Volume ~ log(Girth) + log(Height)", "Volume ~ log(Girth) + log(Height)", 'inverse.gaussian(link = "inverse")', "InverseGaussian", link = "inverse")
make_case("trees_invgauss_log", "trees", "Volume ~ Girth + Height", "Volume ~ Girth + Height", 'inverse.gaussian(link = "log")', "InverseGaussian", link = "log")
make_case("airquality_gaussian_log_na", "airquality", "Ozone ~ Temp + Wind + Solar.R", "Ozone ~ Temp + Wind + Solar.R", 'gaussian(link = "log")', "Gaussian", link = "log")
make_case("airquality_gamma_na", "airquality", "Ozone ~ Temp + Wind", "Ozone ~ Temp + Wind", 'Gamma(link = "log")', "Gamma", link = "log")
make_case("mtcars_aliased", "mtcars", "mpg ~ wt + wt2 + hp", "mpg ~ wt + wt2 + hp", "gaussian()", "Gaussian")
make_case("mtcars_gaussian_weights", "mtcars", "mpg ~ wt + factor(am)", "mpg ~ wt + C(am)", "gaussian()", "Gaussian", weights = "cyl")
make_case("mtcars_gaussian_inverse", "mtcars", "mpg ~ wt + hp", "mpg ~ wt + hp", 'gaussian(link = "inverse")', "Gaussian", link = "inverse")
make_case("mtcars_logit", "mtcars", "am ~ hp + wt", "am ~ hp + wt", "binomial()", "Binomial")
make_case("budworm_prop_weights", "budworm", "prop ~ sex * ldose", "prop ~ sex * ldose", "binomial()", "Binomial", weights = "total")
make_case("budworm_cbind_probit_noint", "budworm", "cbind(numdead, numalive) ~ sex + ldose - 1", "cbind(numdead, numalive) ~ sex + ldose - 1", 'binomial(link = "probit")', "Binomial", link = "probit")
make_case("clotting_quasi_mu2_log", "clotting", "lot2 ~ log(u)", "lot2 ~ log(u)", 'quasi(link = "log", variance = "mu^2")', "Quasi", link = "log", family_args = list(variance = "mu^2"))
make_case("clotting_quasi_power", "clotting", "lot1 ~ log(u)", "lot1 ~ log(u)", 'quasi(link = power(1/3), variance = "mu")', "Quasi", link = "power(1/3)", family_args = list(variance = "mu"))
make_case("esoph_quasibinomial", "esoph", "cbind(ncases, ncontrols) ~ agegp + alcgp", "cbind(ncases, ncontrols) ~ agegp + alcgp", "quasibinomial()", "QuasiBinomial")
make_case("quine_tweedie", "quine", "Days ~ Eth + Sex + Age + Lrn", "Days ~ Eth + Sex + Age + Lrn", "tweedie(var.power = 1.5, link.power = 0)", "Tweedie", family_args = list(var_power = 1.5))
make_case("quine_negbin_fixed", "quine", "Days ~ Eth + Sex + Lrn", "Days ~ Eth + Sex + Lrn", "negative.binomial(2)", "NegativeBinomial", family_args = list(theta = 2))
make_case("dobson_gaussian_log", "dobson", "counts ~ factor(outcome) + factor(treatment)", "counts ~ C(outcome) + C(treatment)", 'gaussian(link = "log")', "Gaussian", link = "log")
make_case("warpbreaks_poisson_interaction", "warpbreaks", "breaks ~ wool + tension + wool:tension", "breaks ~ wool + tension + wool:tension", "poisson()", "Poisson")
make_case("warpbreaks_gamma_inverse", "warpbreaks", "breaks ~ tension", "breaks ~ tension", "Gamma()", "Gamma")
make_case("ships_quasipoisson_offset", "ships", "incidents ~ type + factor(period) + offset(log(service))", "incidents ~ type + C(period) + offset(log(service))", "quasipoisson()", "QuasiPoisson")
make_case("esoph_cbind_cloglog", "esoph", "cbind(ncases, ncontrols) ~ agegp + tobgp", "cbind(ncases, ncontrols) ~ agegp + tobgp", 'binomial(link = "cloglog")', "Binomial", link = "cloglog")
make_case("birthwt_poisson_counts", "birthwt", "ftv ~ age + smoke + factor(race)", "ftv ~ age + smoke + C(race)", "poisson()", "Poisson")
make_case("infert_interaction_numeric", "infert", "case ~ spontaneous * age + induced", "case ~ spontaneous * age + induced", "binomial()", "Binomial")
