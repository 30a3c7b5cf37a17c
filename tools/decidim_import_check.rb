# Feeds a proposals import file written by p311desk to Decidim's own admin import code, with
# stubbed models, and prints what Decidim would create (or the errors it would show), as JSON.
#
#   ruby tools/decidim_import_check.rb DECIDIM_ROOT FILE [DEFAULT_LOCALE] [LOCALES]
#   ruby tools/decidim_import_check.rb ~/src/decidim-0.30 out/proposals-import.csv ca ca,es
#
# DECIDIM_ROOT is a checkout of Decidim at the line's release (or a folder holding the same
# paths); the script loads, unchanged, from it:
#   decidim-admin/lib/decidim/admin/import/{readers/base,readers/csv,readers/json,creator,importer,verifier}.rb
#   decidim-proposals/lib/decidim/proposals/import/{proposals_verifier,proposal_creator}.rb
# Nothing of Decidim is copied into p311desk: only the stubs below (models, traceability, events)
# are ours. Needs Debian's `ruby` and `ruby-activemodel` (apt-get install ruby ruby-activemodel).
# XLSX needs Decidim's roo-based reader and is not covered; CSV and JSON are.
require "json"
require "set"
require "active_model"
require "active_support/all"

root, file, default_locale, locales = ARGV
abort "usage: ruby #{$PROGRAM_NAME} DECIDIM_ROOT FILE [DEFAULT_LOCALE] [LOCALES]" unless root && file
default_locale ||= "ca"
locales = (locales || default_locale).split(",")
I18n.available_locales = (locales + ["en"]).uniq.map(&:to_sym)
I18n.default_locale = default_locale.to_sym
I18n.backend.store_translations(:en, decidim: { admin: { imports: {
  and: "and",
  data_errors: { missing_headers: { message: "Missing headers: %{columns}.", detail: "" },
                 duplicate_headers: { message: "Duplicate headers: %{columns}.", detail: "" },
                 invalid_indexes: { lines: { message: "Invalid lines: %{indexes}.", detail: "" },
                                    records: { message: "Invalid records: %{indexes}.", detail: "" } } },
  invalid_indexes: { base: { message: "Invalid: %{indexes}.", detail: "", and: "and" },
                     json: { message: "Invalid records: %{indexes}.", detail: "" } } } } })
I18n.locale = :en

# --- stubs: just enough of Decidim's models for the import code to run ------------------------
module Decidim
  class Lookup
    attr_reader :id
    def initialize(id) = @id = id
    def self.find_by(id:) = (id.nil? || id.to_i.zero? ? nil : new(id.to_i))
    def self.find(id) = new(id.to_i)
    def self.where(id:) = Array(id).compact.map { |i| new(i.to_i) }
  end
  class Category < Lookup; end
  class Scope < Lookup; end
  class Taxonomy < Lookup; end
  Organization = Struct.new(:available_locales, :default_locale)
  Space = Struct.new(:organization)
  Component = Struct.new(:organization, :participatory_space)
  def self.traceability = Object.new.tap { |t| def t.perform_action!(*) = yield }

  module Proposals
    class Proposal
      include ActiveModel::Validations
      ATTRS = %i[category scope taxonomies title body address latitude longitude component published_at].freeze
      attr_accessor(*ATTRS)
      attr_reader :coauthors
      # What the import depends on: a title and a body (any non-empty text; the 15-150 rule
      # belongs to ProposalForm, the API and the web form, not to the import).
      validates :title, :body, presence: true
      def initialize(attrs = {})
        @coauthors = []
        attrs.each { |k, v| public_send("#{k}=", v) if ATTRS.include?(k.to_sym) }
      end
      def add_coauthor(author, *) = @coauthors << author
      def coauthorships = @coauthors
      def as_json(*)
        { title: title, body: body, category_id: category&.id, scope_id: scope&.id,
          taxonomy_ids: Array(taxonomies).map(&:id), address: address, latitude: latitude, longitude: longitude }
      end
    end
  end
end

%w[decidim-admin/lib/decidim/admin/import/readers/base.rb decidim-admin/lib/decidim/admin/import/readers/csv.rb
   decidim-admin/lib/decidim/admin/import/readers/json.rb decidim-admin/lib/decidim/admin/import/creator.rb
   decidim-admin/lib/decidim/admin/import/importer.rb decidim-admin/lib/decidim/admin/import/verifier.rb
   decidim-proposals/lib/decidim/proposals/import/proposals_verifier.rb
   decidim-proposals/lib/decidim/proposals/import/proposal_creator.rb].each do |path|
  load File.join(root, path)
end

# The file index mixes versions: a creator.rb without the `context` reader beside a
# proposal_creator.rb that uses it. Add the reader where it is missing (a release has it).
Decidim::Admin::Import::Creator.class_eval { attr_reader :context unless method_defined?(:context) }

reader = file.end_with?(".json") ? Decidim::Admin::Import::Readers::JSON : Decidim::Admin::Import::Readers::CSV
organization = Decidim::Organization.new(locales, default_locale)
component = Decidim::Component.new(organization, Decidim::Space.new(organization))
context = { current_organization: organization, current_component: component, current_user: nil }
headers = []
reader.new(file).read_rows { |row, index| headers = row.map(&:to_s) if index.zero? }
importer = Decidim::Admin::Import::Importer.new(file: file, reader: reader,
                                                creator: Decidim::Proposals::Import::ProposalCreator, context: context)
proposals = importer.prepare
verifier = Decidim::Proposals::Import::ProposalsVerifier.new(headers: headers, data: proposals, reader: reader,
                                                             context: context)
ok = verifier.valid?
puts JSON.generate(ok: ok, errors: verifier.errors.full_messages, headers: headers,
                   proposals: proposals.map(&:as_json))
exit(ok ? 0 : 1)
